# Commune-level administrative units of Bến Tre (83), Trà Vinh (84) and Vĩnh Long (86) before
# 1/7/2025, the 124 communes of the new Vĩnh Long province, and the old -> new mapping.
# Imported by generate.py (run from the repo root: python3 data/catalogs/generate.py).
#
# Sources (all public documents; see data/README.md for confidence tags):
#  OLD  the GSO list of administrative units (Danh mục đơn vị hành chính Việt Nam, Tổng cục
#       Thống kê) as published in the public dataset daohoangson/dvhcvn (data/dvhcvn.json,
#       commit 82b4cb86); copied below as "district|district name" lines followed by
#       "code name" lines.
#  RES  Nghị quyết 1687/NQ-UBTVQH15 ngày 16/6/2025 của Ủy ban Thường vụ Quốc hội về việc sắp
#       xếp các đơn vị hành chính cấp xã của tỉnh Vĩnh Long năm 2025 (items 1-120 and the four
#       unchanged communes of item 121), transcribed below item by item.
#  NEW  5-digit codes of the 124 new units from the province's official list (Danh sách phường
#       xã thuộc tỉnh Vĩnh Long: each new unit keeps the code of one of its predecessors), as
#       quoted in a public cross-check table, checked against the per-ward mapping files of the
#       public dataset dvhcvn/20250701 (output/83|84|86/...).
import unicodedata

OLD = """
83|829|Thành phố Bến Tre
28756 Phường Phú Khương
28757 Phường Phú Tân
28759 Phường 8
28762 Phường 6
28765 Phường 4
28768 Phường 5
28777 Phường An Hội
28780 Phường 7
28783 Xã Sơn Đông
28786 Xã Phú Hưng
28789 Xã Bình Phú
28792 Xã Mỹ Thạnh An
28795 Xã Nhơn Thạnh
28798 Xã Phú Nhuận
83|831|Huyện Châu Thành
28801 Thị trấn Châu Thành
28804 Xã Tân Thạch
28807 Xã Qưới Sơn
28810 Xã An Khánh
28813 Xã Giao Long
28819 Xã Phú Túc
28822 Xã Phú Đức
28825 Xã Phú An Hòa
28828 Xã An Phước
28831 Xã Tam Phước
28834 Xã Thành Triệu
28837 Xã Tường Đa
28840 Xã Tân Phú
28843 Xã Quới Thành
28846 Xã Phước Thạnh
28849 Xã An Hóa
28852 Xã Tiên Long
28855 Xã An Hiệp
28858 Xã Hữu Định
28861 Thị trấn Tiên Thủy
28864 Xã Sơn Hòa
83|832|Huyện Chợ Lách
28870 Thị trấn Chợ Lách
28873 Xã Phú Phụng
28876 Xã Sơn Định
28879 Xã Vĩnh Bình
28882 Xã Hòa Nghĩa
28885 Xã Long Thới
28888 Xã Phú Sơn
28891 Xã Tân Thiềng
28894 Xã Vĩnh Thành
28897 Xã Vĩnh Hòa
28900 Xã Hưng Khánh Trung B
83|833|Huyện Mỏ Cày Nam
28903 Thị trấn Mỏ Cày
28930 Xã Định Thủy
28939 Xã Đa Phước Hội
28940 Xã Tân Hội
28942 Xã Phước Hiệp
28945 Xã Bình Khánh
28951 Xã An Thạnh
28957 Xã An Định
28960 Xã Thành Thới B
28963 Xã Tân Trung
28966 Xã An Thới
28969 Xã Thành Thới A
28972 Xã Minh Đức
28975 Xã Ngãi Đăng
28978 Xã Cẩm Sơn
28981 Xã Hương Mỹ
83|834|Huyện Giồng Trôm
28984 Thị trấn Giồng Trôm
28987 Xã Phong Nẫm
28993 Xã Mỹ Thạnh
28996 Xã Châu Hòa
28999 Xã Lương Hòa
29002 Xã Lương Quới
29005 Xã Lương Phú
29008 Xã Châu Bình
29011 Xã Thuận Điền
29014 Xã Sơn Phú
29017 Xã Bình Hoà
29020 Xã Phước Long
29023 Xã Hưng Phong
29026 Xã Long Mỹ
29029 Xã Tân Hào
29032 Xã Bình Thành
29035 Xã Tân Thanh
29038 Xã Tân Lợi Thạnh
29041 Xã Thạnh Phú Đông
29044 Xã Hưng Nhượng
29047 Xã Hưng Lễ
83|835|Huyện Bình Đại
29050 Thị trấn Bình Đại
29053 Xã Tam Hiệp
29056 Xã Long Định
29059 Xã Long Hòa
29062 Xã Phú Thuận
29065 Xã Vang Quới Tây
29068 Xã Vang Quới Đông
29071 Xã Châu Hưng
29074 Xã Phú Vang
29077 Xã Lộc Thuận
29080 Xã Định Trung
29083 Xã Thới Lai
29086 Xã Bình Thới
29089 Xã Phú Long
29092 Xã Bình Thắng
29095 Xã Thạnh Trị
29098 Xã Đại Hòa Lộc
29101 Xã Thừa Đức
29104 Xã Thạnh Phước
29107 Xã Thới Thuận
83|836|Huyện Ba Tri
29110 Thị trấn Ba Tri
29113 Xã Tân Mỹ
29116 Xã Mỹ Hòa
29119 Xã Tân Xuân
29122 Xã Mỹ Chánh
29125 Xã Bảo Thạnh
29128 Xã An Phú Trung
29131 Xã Mỹ Thạnh
29134 Xã Mỹ Nhơn
29137 Xã Phước Ngãi
29143 Xã An Ngãi Trung
29146 Xã Phú Lễ
29149 Xã An Bình Tây
29152 Xã Bảo Thuận
29155 Xã Tân Hưng
29158 Xã An Ngãi Tây
29161 Xã An Hiệp
29164 Xã Vĩnh Hòa
29167 Xã Tân Thủy
29170 Xã Vĩnh An
29173 Xã An Đức
29176 Xã An Hòa Tây
29179 Thị trấn Tiệm Tôm
83|837|Huyện Thạnh Phú
29182 Thị trấn Thạnh Phú
29185 Xã Phú Khánh
29188 Xã Đại Điền
29191 Xã Quới Điền
29194 Xã Tân Phong
29197 Xã Mỹ Hưng
29200 Xã An Thạnh
29203 Xã Thới Thạnh
29206 Xã Hòa Lợi
29209 Xã An Điền
29212 Xã Bình Thạnh
29215 Xã An Thuận
29218 Xã An Quy
29221 Xã Thạnh Hải
29224 Xã An Nhơn
29227 Xã Giao Thạnh
29230 Xã Thạnh Phong
29233 Xã Mỹ An
83|838|Huyện Mỏ Cày Bắc
28889 Xã Phú Mỹ
28901 Xã Hưng Khánh Trung A
28906 Xã Thanh Tân
28909 Xã Thạnh Ngãi
28912 Xã Tân Phú Tây
28915 Thị trấn Phước Mỹ Trung
28918 Xã Tân Thành Bình
28921 Xã Thành An
28924 Xã Hòa Lộc
28927 Xã Tân Thanh Tây
28933 Xã Tân Bình
28936 Xã Nhuận Phú Tân
28948 Xã Khánh Thạnh Tân
84|842|Thành phố Trà Vinh
29236 Phường 4
29239 Phường 1
29242 Phường 3
29245 Phường 2
29248 Phường 5
29251 Phường 6
29254 Phường 7
29257 Phường 8
29260 Phường 9
29263 Xã Long Đức
84|844|Huyện Càng Long
29266 Thị trấn Càng Long
29269 Xã Mỹ Cẩm
29272 Xã An Trường A
29275 Xã An Trường
29278 Xã Huyền Hội
29281 Xã Tân An
29284 Xã Tân Bình
29287 Xã Bình Phú
29290 Xã Phương Thạnh
29293 Xã Đại Phúc
29296 Xã Đại Phước
29299 Xã Nhị Long Phú
29302 Xã Nhị Long
29305 Xã Đức Mỹ
84|845|Huyện Cầu Kè
29308 Thị trấn Cầu Kè
29311 Xã Hòa Ân
29314 Xã Châu Điền
29317 Xã An Phú Tân
29320 Xã Hoà Tân
29323 Xã Ninh Thới
29326 Xã Phong Phú
29329 Xã Phong Thạnh
29332 Xã Tam Ngãi
29335 Xã Thông Hòa
29338 Xã Thạnh Phú
84|846|Huyện Tiểu Cần
29341 Thị trấn Tiểu Cần
29344 Thị trấn Cầu Quan
29347 Xã Phú Cần
29350 Xã Hiếu Tử
29353 Xã Hiếu Trung
29356 Xã Long Thới
29359 Xã Hùng Hòa
29362 Xã Tân Hùng
29365 Xã Tập Ngãi
29368 Xã Ngãi Hùng
29371 Xã Tân Hòa
84|847|Huyện Châu Thành
29374 Thị trấn Châu Thành
29377 Xã Đa Lộc
29380 Xã Mỹ Chánh
29383 Xã Thanh Mỹ
29386 Xã Lương Hoà A
29389 Xã Lương Hòa
29392 Xã Song Lộc
29395 Xã Nguyệt Hóa
29398 Xã Hòa Thuận
29401 Xã Hòa Lợi
29404 Xã Phước Hảo
29407 Xã Hưng Mỹ
29410 Xã Hòa Minh
29413 Xã Long Hòa
84|848|Huyện Cầu Ngang
29416 Thị trấn Cầu Ngang
29419 Thị trấn Mỹ Long
29422 Xã Mỹ Long Bắc
29425 Xã Mỹ Long Nam
29428 Xã Mỹ Hòa
29431 Xã Vĩnh Kim
29434 Xã Kim Hòa
29437 Xã Hiệp Hòa
29440 Xã Thuận Hòa
29443 Xã Long Sơn
29446 Xã Nhị Trường
29449 Xã Trường Thọ
29452 Xã Hiệp Mỹ Đông
29455 Xã Hiệp Mỹ Tây
29458 Xã Thạnh Hòa Sơn
84|849|Huyện Trà Cú
29461 Thị trấn Trà Cú
29462 Thị trấn Định An
29464 Xã Phước Hưng
29467 Xã Tập Sơn
29470 Xã Tân Sơn
29473 Xã An Quảng Hữu
29476 Xã Lưu Nghiệp Anh
29479 Xã Ngãi Xuyên
29482 Xã Kim Sơn
29485 Xã Thanh Sơn
29488 Xã Hàm Giang
29489 Xã Hàm Tân
29491 Xã Đại An
29494 Xã Định An
29503 Xã Ngọc Biên
29506 Xã Long Hiệp
29509 Xã Tân Hiệp
84|850|Huyện Duyên Hải
29497 Xã Đôn Xuân
29500 Xã Đôn Châu
29513 Thị trấn Long Thành
29521 Xã Long Khánh
29530 Xã Ngũ Lạc
29533 Xã Long Vĩnh
29536 Xã Đông Hải
84|851|Thị xã Duyên Hải
29512 Phường 1
29515 Xã Long Toàn
29516 Phường 2
29518 Xã Long Hữu
29524 Xã Dân Thành
29527 Xã Trường Long Hòa
29539 Xã Hiệp Thạnh
86|855|Thành phố Vĩnh Long
29542 Phường 9
29545 Phường 5
29548 Phường 1
29551 Phường 2
29554 Phường 4
29557 Phường 3
29560 Phường 8
29563 Phường Tân Ngãi
29566 Phường Tân Hòa
29569 Phường Tân Hội
29572 Phường Trường An
86|857|Huyện Long Hồ
29575 Thị trấn Long Hồ
29578 Xã Đồng Phú
29581 Xã Bình Hòa Phước
29584 Xã Hòa Ninh
29587 Xã An Bình
29590 Xã Thanh Đức
29593 Xã Tân Hạnh
29596 Xã Phước Hậu
29599 Xã Long Phước
29602 Xã Phú Đức
29605 Xã Lộc Hòa
29608 Xã Long An
29611 Xã Phú Quới
29614 Xã Thạnh Quới
29617 Xã Hòa Phú
86|858|Huyện Mang Thít
29623 Xã Mỹ An
29626 Xã Mỹ Phước
29629 Xã An Phước
29632 Xã Nhơn Phú
29635 Xã Long Mỹ
29638 Xã Hòa Tịnh
29641 Thị trấn Cái Nhum
29644 Xã Bình Phước
29647 Xã Chánh An
29650 Xã Tân An Hội
29653 Xã Tân Long
29656 Xã Tân Long Hội
86|859|Huyện Vũng Liêm
29659 Thị trấn Vũng Liêm
29662 Xã Tân Quới Trung
29665 Xã Quới Thiện
29668 Xã Quới An
29671 Xã Trung Chánh
29674 Xã Tân An Luông
29677 Xã Thanh Bình
29680 Xã Trung Thành Tây
29683 Xã Trung Hiệp
29686 Xã Hiếu Phụng
29689 Xã Trung Thành Đông
29692 Xã Trung Thành
29695 Xã Trung Hiếu
29698 Xã Trung Ngãi
29701 Xã Hiếu Thuận
29704 Xã Trung Nghĩa
29707 Xã Trung An
29710 Xã Hiếu Nhơn
29713 Xã Hiếu Thành
29716 Xã Hiếu Nghĩa
86|860|Huyện Tam Bình
29719 Thị trấn Tam Bình
29722 Xã Tân Lộc
29725 Xã Phú Thịnh
29728 Xã Hậu Lộc
29731 Xã Hòa Thạnh
29734 Xã Hoà Lộc
29737 Xã Phú Lộc
29740 Xã Song Phú
29743 Xã Hòa Hiệp
29746 Xã Mỹ Lộc
29749 Xã Tân Phú
29752 Xã Long Phú
29755 Xã Mỹ Thạnh Trung
29758 Xã Tường Lộc
29761 Xã Loan Mỹ
29764 Xã Ngãi Tứ
29767 Xã Bình Ninh
86|861|Thị xã Bình Minh
29770 Phường Cái Vồn
29771 Phường Thành Phước
29806 Xã Thuận An
29809 Xã Đông Thạnh
29812 Xã Đông Bình
29813 Phường Đông Thuận
29815 Xã Mỹ Hòa
29818 Xã Đông Thành
86|862|Huyện Trà Ôn
29821 Thị trấn Trà Ôn
29824 Xã Xuân Hiệp
29827 Xã Nhơn Bình
29830 Xã Hòa Bình
29833 Xã Thới Hòa
29836 Xã Trà Côn
29839 Xã Tân Mỹ
29842 Xã Hựu Thành
29845 Xã Vĩnh Xuân
29848 Xã Thuận Thới
29851 Xã Phú Thành
29854 Xã Thiện Mỹ
29857 Xã Lục Sỹ Thành
29860 Xã Tích Thiện
86|863|Huyện Bình Tân
29773 Xã Tân Hưng
29776 Xã Tân Thành
29779 Xã Thành Trung
29782 Xã Tân An Thạnh
29785 Xã Tân Lược
29788 Xã Nguyễn Văn Thảnh
29791 Xã Thành Lợi
29794 Xã Mỹ Thuận
29797 Xã Tân Bình
29800 Thị trấn Tân Quới
"""

# The 124 new units: code, official name (province's list, NQ 1687 wording of the level).
NEW = """
28756 Phường Phú Khương|28777 Phường An Hội|28783 Phường Sơn Đông|28789 Phường Bến Tre
28858 Phường Phú Tân|29242 Phường Trà Vinh|29254 Phường Nguyệt Hóa|29263 Phường Long Đức
29398 Phường Hòa Thuận|29512 Phường Duyên Hải|29516 Phường Trường Long Hòa
29551 Phường Long Châu|29557 Phường Phước Hậu|29566 Phường Tân Ngãi|29590 Phường Thanh Đức
29593 Phường Tân Hạnh|29770 Phường Cái Vồn|29771 Phường Bình Minh|29812 Phường Đông Thành
29584 Xã An Bình|29158 Xã An Hiệp|29143 Xã An Ngãi Trung|29317 Xã An Phú Tân|29224 Xã An Qui
29275 Xã An Trường|28957 Xã An Định|29287 Xã Bình Phú|29638 Xã Bình Phước|29125 Xã Bảo Thạnh
28996 Xã Châu Hòa|29083 Xã Châu Hưng|29374 Xã Châu Thành|28870 Xã Chợ Lách|29641 Xã Cái Nhum
29308 Xã Cầu Kè|29416 Xã Cầu Ngang|28807 Xã Giao Long|28984 Xã Giồng Trôm|29701 Xã Hiếu Phụng
29713 Xã Hiếu Thành|29455 Xã Hiệp Mỹ|29489 Xã Hàm Giang|29830 Xã Hòa Bình|29734 Xã Hòa Hiệp
29410 Xã Hòa Minh|28901 Xã Hưng Khánh Trung|29407 Xã Hưng Mỹ|29044 Xã Hưng Nhượng
28981 Xã Hương Mỹ|29506 Xã Long Hiệp|29413 Xã Long Hòa|29518 Xã Long Hữu|29513 Xã Long Thành
29533 Xã Long Vĩnh|29476 Xã Lưu Nghiệp Anh|28987 Xã Lương Hòa|28993 Xã Lương Phú
29077 Xã Lộc Thuận|29857 Xã Lục Sĩ Thành|29122 Xã Mỹ Chánh Hòa|29419 Xã Mỹ Long
29788 Xã Mỹ Thuận|29767 Xã Ngãi Tứ|29530 Xã Ngũ Lạc|28948 Xã Nhuận Phú Tân|29623 Xã Nhơn Phú
29302 Xã Nhị Long|29446 Xã Nhị Trường|29329 Xã Phong Thạnh|28879 Xã Phú Phụng|29611 Xã Phú Quới
29062 Xã Phú Thuận|29020 Xã Phước Long|28915 Xã Phước Mỹ Trung|29668 Xã Quới An
29677 Xã Quới Thiện|29191 Xã Quới Điền|29386 Xã Song Lộc|29740 Xã Song Phú|29335 Xã Tam Ngãi
28969 Xã Thành Thới|29221 Xã Thạnh Hải|29227 Xã Thạnh Phong|29182 Xã Thạnh Phú
29104 Xã Thạnh Phước|29089 Xã Thạnh Trị|29107 Xã Thới Thuận|29683 Xã Trung Hiệp
29698 Xã Trung Ngãi|29836 Xã Trà Côn|29461 Xã Trà Cú|29278 Xã Tân An|29029 Xã Tân Hào
29653 Xã Tân Long Hội|29785 Xã Tân Lược|28840 Xã Tân Phú|28921 Xã Tân Thành Bình
29137 Xã Tân Xuân|29467 Xã Tập Sơn|29431 Xã Vinh Kim|28894 Xã Vĩnh Thành|29845 Xã Vĩnh Xuân
29497 Xã Đôn Châu|29536 Xã Đông Hải|29491 Xã Đại An|29194 Xã Đại Điền|28945 Xã Đồng Khởi
29110 Xã Ba Tri|29050 Xã Bình Đại|29266 Xã Càng Long|29362 Xã Hùng Hòa|29602 Xã Long Hồ
28903 Xã Mỏ Cày|28810 Xã Phú Túc|29719 Xã Tam Bình|28861 Xã Tiên Thủy|29341 Xã Tiểu Cần
29821 Xã Trà Ôn|29371 Xã Tân Hòa|29800 Xã Tân Quới|29167 Xã Tân Thủy|29365 Xã Tập Ngãi
29659 Xã Trung Thành|29728 Xã Cái Ngang
"""

# NQ 1687/NQ-UBTVQH15, Điều 1: item -> (new unit name, predecessors). A predecessor is
# "kind name" (kind: x = xã, tt = thị trấn, p = phường) optionally followed by "@district
# code" where the resolution names the district (or where the name alone is ambiguous:
# marked [d] in AMBIG below) and "~" when only part of it ("một phần" / "phần còn lại").
RES = """
1|Cái Nhum|x An Phước@858; x Chánh An; tt Cái Nhum
2|Tân Long Hội|x Tân An Hội; x Tân Long; x Tân Long Hội
3|Nhơn Phú|x Mỹ An@858; x Mỹ Phước; x Nhơn Phú
4|Bình Phước|x Long Mỹ@858; x Hòa Tịnh; x Bình Phước
5|An Bình|x Hòa Ninh; x Bình Hòa Phước; x Đồng Phú; x An Bình
6|Long Hồ|tt Long Hồ; x Long An; x Long Phước
7|Phú Quới|x Lộc Hòa; x Hòa Phú; x Thạnh Quới; x Phú Quới
8|Quới Thiện|x Thanh Bình; x Quới Thiện
9|Trung Thành|tt Vũng Liêm; x Trung Hiếu; x Trung Thành
10|Trung Ngãi|x Trung Thành Đông; x Trung Nghĩa; x Trung Ngãi
11|Quới An|x Trung Thành Tây; x Tân Quới Trung; x Quới An
12|Trung Hiệp|x Tân An Luông; x Trung Chánh; x Trung Hiệp
13|Hiếu Phụng|x Hiếu Thuận; x Trung An; x Hiếu Phụng
14|Hiếu Thành|x Hiếu Nhơn; x Hiếu Nghĩa; x Hiếu Thành
15|Lục Sĩ Thành|x Phú Thành; x Lục Sĩ Thành
16|Trà Ôn|x Tích Thiện; tt Trà Ôn~
17|Trà Côn|x Nhơn Bình; x Trà Côn; x Tân Mỹ@862; tt Tam Bình~
18|Vĩnh Xuân|x Hựu Thành; x Thuận Thới; x Vĩnh Xuân
19|Hòa Bình|x Xuân Hiệp; x Thới Hòa; x Hòa Bình
20|Hòa Hiệp|x Hòa Thạnh; x Hòa Lộc@860; x Hòa Hiệp
21|Tam Bình|x Mỹ Thạnh Trung; tt Tam Bình~
22|Ngãi Tứ|x Loan Mỹ; x Bình Ninh; x Ngãi Tứ~; tt Trà Ôn~
23|Song Phú|x Tân Phú@860; x Long Phú; x Phú Thịnh; x Song Phú
24|Cái Ngang|x Mỹ Lộc; x Tân Lộc; x Hậu Lộc; x Phú Lộc
25|Tân Quới|x Tân Bình@863; x Thành Lợi; tt Tân Quới
26|Tân Lược|x Tân Thành; x Tân An Thạnh; x Tân Lược
27|Mỹ Thuận|x Thành Trung; x Nguyễn Văn Thảnh; x Mỹ Thuận
28|Long Hữu|x Hiệp Thạnh; x Long Hữu
29|Càng Long|tt Càng Long; x Mỹ Cẩm; x Nhị Long Phú
30|An Trường|x Tân Bình@844; x An Trường A; x An Trường
31|Tân An|x Huyền Hội; x Tân An
32|Nhị Long|x Đại Phước; x Đức Mỹ; x Nhị Long
33|Bình Phú|x Bình Phú@844; x Đại Phúc; x Phương Thạnh
34|Châu Thành|tt Châu Thành@847; x Mỹ Chánh@847; x Thanh Mỹ; x Đa Lộc
35|Song Lộc|x Lương Hòa@847; x Lương Hòa A; x Song Lộc
36|Hưng Mỹ|x Hòa Lợi@847; x Phước Hảo; x Hưng Mỹ
37|Cầu Kè|tt Cầu Kè; x Hòa Ân; x Châu Điền
38|Phong Thạnh|x Ninh Thới; x Phong Phú; x Phong Thạnh
39|An Phú Tân|x Hòa Tân; x An Phú Tân
40|Tam Ngãi|x Thông Hòa; x Thạnh Phú@845; x Tam Ngãi
41|Tiểu Cần|tt Tiểu Cần; x Phú Cần; x Hiếu Trung
42|Tân Hòa|x Long Thới@846; x Tân Hòa; tt Cầu Quan
43|Hùng Hòa|x Ngãi Hùng; x Tân Hùng; x Hùng Hòa
44|Tập Ngãi|x Hiếu Tử; x Tập Ngãi
45|Cầu Ngang|x Mỹ Hòa@848; x Thuận Hòa; tt Cầu Ngang
46|Mỹ Long|tt Mỹ Long; x Mỹ Long Bắc; x Mỹ Long Nam
47|Vinh Kim|x Kim Hòa; x Vĩnh Kim
48|Nhị Trường|x Hiệp Hòa; x Trường Thọ; x Nhị Trường
49|Hiệp Mỹ|x Long Sơn; x Hiệp Mỹ Đông; x Hiệp Mỹ Tây
50|Trà Cú|tt Trà Cú; x Ngãi Xuyên; x Thanh Sơn
51|Đại An|tt Định An; x Định An; x Đại An
52|Lưu Nghiệp Anh|x An Quảng Hữu; x Lưu Nghiệp Anh
53|Hàm Giang|x Hàm Tân; x Kim Sơn; x Hàm Giang
54|Long Hiệp|x Ngọc Biên; x Tân Hiệp; x Long Hiệp
55|Tập Sơn|x Tân Sơn; x Phước Hưng; x Tập Sơn
56|Long Thành|tt Long Thành; x Long Khánh
57|Đôn Châu|x Đôn Xuân; x Đôn Châu
58|Ngũ Lạc|x Thạnh Hòa Sơn; x Ngũ Lạc
59|Phú Túc|tt Châu Thành@831; x Tân Thạch; x Tường Đa; x Phú Túc
60|Giao Long|x An Phước@831; x Quới Sơn; x Giao Long
61|Tiên Thủy|tt Tiên Thủy; x Thành Triệu; x Quới Thành
62|Tân Phú|x Tân Phú@831; x Tiên Long; x Phú Đức@831
63|Phú Phụng|x Sơn Định; x Vĩnh Bình; x Phú Phụng
64|Chợ Lách|x Long Thới@832; x Hòa Nghĩa; tt Chợ Lách
65|Vĩnh Thành|x Phú Sơn; x Tân Thiềng; x Vĩnh Thành
66|Hưng Khánh Trung|x Vĩnh Hòa@832; x Hưng Khánh Trung A; x Hưng Khánh Trung B
67|Phước Mỹ Trung|tt Phước Mỹ Trung; x Phú Mỹ; x Thạnh Ngãi; x Tân Phú Tây
68|Tân Thành Bình|x Tân Bình@838; x Thành An; x Hòa Lộc@838; x Tân Thành Bình
69|Nhuận Phú Tân|x Khánh Thạnh Tân; x Tân Thanh Tây; x Nhuận Phú Tân
70|Đồng Khởi|x Định Thủy; x Phước Hiệp; x Bình Khánh
71|Mỏ Cày|tt Mỏ Cày; x An Thạnh@833; x Tân Hội; x Đa Phước Hội
72|Thành Thới|x An Thới; x Thành Thới A; x Thành Thới B
73|An Định|x Tân Trung; x Minh Đức; x An Định
74|Hương Mỹ|x Ngãi Đăng; x Cẩm Sơn; x Hương Mỹ
75|Đại Điền|x Phú Khánh; x Tân Phong; x Thới Thạnh; x Đại Điền
76|Quới Điền|x Hòa Lợi@837; x Mỹ Hưng; x Quới Điền
77|Thạnh Phú|tt Thạnh Phú; x An Thạnh@837; x Bình Thạnh; x Mỹ An@837
78|An Qui|x An Thuận; x An Nhơn; x An Qui
79|Thạnh Hải|x An Điền; x Thạnh Hải
80|Thạnh Phong|x Giao Thạnh; x Thạnh Phong
81|Tân Thủy|tt Tiệm Tôm; x An Hòa Tây; x Tân Thủy
82|Bảo Thạnh|x Bảo Thuận; x Bảo Thạnh
83|Ba Tri|tt Ba Tri; x Vĩnh Hòa@836; x An Đức; x Vĩnh An; x An Bình Tây
84|Tân Xuân|x Phú Lễ; x Phước Ngãi; x Tân Xuân
85|Mỹ Chánh Hòa|x Mỹ Hòa@836; x Mỹ Chánh@836; x Mỹ Nhơn
86|An Ngãi Trung|x Mỹ Thạnh@836; x An Phú Trung; x An Ngãi Trung
87|An Hiệp|x Tân Hưng@836; x An Ngãi Tây; x An Hiệp@836
88|Hưng Nhượng|x Tân Thanh; x Hưng Lễ; x Hưng Nhượng
89|Giồng Trôm|tt Giồng Trôm; x Bình Hòa; x Bình Thành
90|Tân Hào|x Tân Lợi Thạnh; x Thạnh Phú Đông; x Tân Hào
91|Phước Long|x Long Mỹ@834; x Hưng Phong; x Phước Long
92|Lương Phú|x Mỹ Thạnh@834; x Thuận Điền; x Lương Phú
93|Châu Hòa|x Châu Bình; x Lương Quới; x Châu Hòa
94|Lương Hòa|x Lương Hòa@834; x Phong Nẫm
95|Thới Thuận|x Thừa Đức; x Thới Thuận
96|Thạnh Phước|x Đại Hòa Lộc; x Thạnh Phước
97|Bình Đại|tt Bình Đại; x Bình Thới; x Bình Thắng
98|Thạnh Trị|x Định Trung; x Phú Long; x Thạnh Trị
99|Lộc Thuận|x Vang Quới Đông; x Vang Quới Tây; x Lộc Thuận
100|Châu Hưng|x Long Hòa@835; x Thới Lai; x Châu Hưng
101|Phú Thuận|x Long Định; x Tam Hiệp; x Phú Thuận
102|Thanh Đức|p Phường 5@855; x Thanh Đức
103|Long Châu|p Phường 1@855; p Phường 9@855; p Trường An
104|Phước Hậu|p Phường 3@855; p Phường 4@855; x Phước Hậu
105|Tân Hạnh|p Phường 8@855; x Tân Hạnh
106|Tân Ngãi|p Tân Hòa; p Tân Hội; p Tân Ngãi
107|Bình Minh|x Thuận An; p Thành Phước~; p Cái Vồn~
108|Cái Vồn|x Mỹ Hòa@861; x Ngãi Tứ~; p Thành Phước~; p Cái Vồn~
109|Đông Thành|p Đông Thuận; x Đông Bình; x Đông Thạnh; x Đông Thành
110|Trà Vinh|p Phường 1@842; p Phường 3@842; p Phường 9@842
111|Long Đức|p Phường 4@842; x Long Đức
112|Nguyệt Hóa|p Phường 7@842; p Phường 8@842; x Nguyệt Hóa
113|Hòa Thuận|p Phường 5@842; x Hòa Thuận
114|Duyên Hải|p Phường 1@851; x Long Toàn; x Dân Thành
115|Trường Long Hòa|p Phường 2@851; x Trường Long Hòa
116|An Hội|p An Hội; x Mỹ Thạnh An; x Phú Nhuận; x Sơn Phú
117|Phú Khương|p Phường 8@829; p Phú Khương; x Phú Hưng; x Nhơn Thạnh
118|Bến Tre|p Phường 7@829; x Bình Phú@829; x Thanh Tân
119|Sơn Đông|p Phường 6@829; x Sơn Đông; x Tam Phước
120|Phú Tân|p Phú Tân; x Hữu Định; x Phước Thạnh
121|Long Hòa|x Long Hòa@847
121|Đông Hải|x Đông Hải
121|Long Vĩnh|x Long Vĩnh
121|Hòa Minh|x Hòa Minh
"""

# Communes of the GSO list that no longer existed on 16/6/2025 (merged in the 2023-2025 round,
# in force 1/1/2025) and whose merger a public report names: old code -> (the 2025 unit it was
# merged into, basis). Their new commune is that unit's. [R]: the resolution texts themselves
# are not in the sources used here.
PRE = {
    '29245': ('29242', 'NQ 1277/NQ-UBTVQH15 (nhập Phường 2 vào Phường 3, TP Trà Vinh, từ 01/01/2025) [R]'),
    '29251': ('29242', 'NQ 1277/NQ-UBTVQH15 (nhập Phường 6 vào Phường 3, TP Trà Vinh, từ 01/01/2025) [R]'),
    '28765': ('28777', 'NQ 1237/NQ-UBTVQH15 ngày 26/11/2024 (phương án HĐND tỉnh: nhập Phường 4 vào phường An Hội) [R]'),
    '28768': ('28777', 'NQ 1237/NQ-UBTVQH15 ngày 26/11/2024 (phương án HĐND tỉnh: nhập Phường 5 vào phường An Hội) [R]'),
}
# the 2023-2025 round took effect on 1/1/2025: a GSO commune absent from NQ 1687 ended then [C]
ENDED_2024 = '2024-12-31'

KIND = {'x': 'Xã', 'tt': 'Thị trấn', 'p': 'Phường'}
# spellings that differ between the GSO list and the resolution (same unit)
ALIAS = {'qưới sơn': 'quới sơn', 'lục sỹ thành': 'lục sĩ thành', 'an quy': 'an qui',
         'vĩnh kim': 'vinh kim'}


def key(name):
    s = unicodedata.normalize('NFC', name.strip()).lower()
    for a, b in (('oà', 'òa'), ('oá', 'óa'), ('oả', 'ỏa'), ('oã', 'õa'), ('oạ', 'ọa')):
        s = s.replace(a, b)
    return ' '.join(s.split())


def strip_kind(name):
    for k in ('Thị trấn ', 'Xã ', 'Phường '):
        if name.startswith(k) and not name[len(k):].isdigit():
            return k.strip(), name[len(k):]
    if name.startswith('Phường '):
        return 'Phường', name
    raise ValueError(name)


def load():
    old, prov, dist = [], None, None
    for line in OLD.strip().splitlines():
        if '|' in line:
            prov, dist, dname = line.split('|')
            continue
        code, name = line.split(' ', 1)
        kind, base = strip_kind(name.strip())
        old.append({'code': code, 'name': name.strip(), 'kind': kind, 'base': base,
                    'district': dist, 'province': prov})
    new = {}
    for part in NEW.split('|'):
        for tok in part.split('\n'):
            tok = tok.strip()
            if tok:
                code, name = tok.split(' ', 1)
                assert code not in new
                new[code] = name
    by_name = {key(strip_kind(n)[1]): c for c, n in new.items()}
    assert len(new) == 124 and len(by_name) == 124
    pairs = []  # (old unit, new code, partial, item)
    for line in RES.strip().splitlines():
        item, nname, preds = line.split('|')
        ncode = by_name[key(nname)]
        for p in preds.split(';'):
            p = p.strip()
            kind, rest = p.split(' ', 1)
            partial = rest.endswith('~')
            rest = rest.rstrip('~')
            name, _, d = rest.partition('@')
            k = key(ALIAS.get(key(name), name))
            cand = [u for u in old if u['kind'] == KIND[kind]
                    and key(ALIAS.get(key(u['base']), u['base'])) == k
                    and (not d or u['district'] == d)]
            if len(cand) != 1:
                raise ValueError('item %s: %s matches %d units' % (item, p, len(cand)))
            pairs.append((cand[0], ncode, partial, int(item)))
    return old, new, pairs


def build():
    """Returns (xa_truoc_2025 rows, xa rows, xa_sapxep_2025 rows, unmapped old units)."""
    old, new, pairs = load()
    mapped = {u['code'] for u, _, _, _ in pairs}
    # an old unit the resolution does not name had already been merged before 16/6/2025 into
    # a unit that kept its code; when a new unit carries that code, the mapping follows it [C]
    extra, unmapped, ended = [], [], set()
    for u in old:
        if u['code'] in mapped:
            continue
        if u['code'] in new:
            extra.append((u, u['code'], False, 0))
        elif u['code'] in PRE:
            via = PRE[u['code']][0]
            for v, nc, part, item in pairs:
                if v['code'] == via:
                    extra.append((u, nc, part, (item, u['code'])))
            ended.add(u['code'])
        else:
            unmapped.append(u)
            ended.add(u['code'])
    pairs += extra
    # each new unit keeps the code of one of its predecessors: that predecessor maps to it
    for ncode in new:
        if any(u['code'] == ncode for u in old):
            assert any(u['code'] == ncode and nc == ncode for u, nc, _, _ in pairs), ncode
    truoc = [(u['code'], u['name'], u['district'], u['province'],
              ENDED_2024 if u['code'] in ended else '2025-06-30') for u in old]
    xa = [(c, n, '86') for c, n in sorted(new.items())]
    sx = []
    for u, ncode, partial, item in sorted(pairs, key=lambda x: (x[0]['code'], x[1])):
        if isinstance(item, tuple):
            basis = '%s; NQ 1687/NQ-UBTVQH15, Điều 1 khoản %d' % (PRE[item[1]][1], item[0])
        elif item:
            basis = 'NQ 1687/NQ-UBTVQH15, Điều 1 khoản %d' % item
        else:
            basis = 'Suy ra từ mã (đơn vị đã nhập trước 16/6/2025 vào đơn vị giữ mã %s)' % ncode
        sx.append((u['code'] + '-' + ncode, u['code'], u['name'], u['district'], u['province'],
                   ncode, new[ncode], '86', 'một phần' if partial else 'toàn bộ', basis))
    return truoc, xa, sx, unmapped


if __name__ == '__main__':
    t, x, s, un = build()
    print(len(t), 'old units,', len(x), 'new units,', len(s), 'mapping rows')
    for u in un:
        print('unmapped:', u['code'], u['name'], u['district'])
