# Generates procedures.json (run from the repo root: python3 data/procedures/generate.py).
# The JSON is the source of truth loaded by egov; this script only keeps the demo data compact.
import json
H='000.00.00.H61'
def F(title, props, required=None):
    return {"type":"object","title":title,"required":required or [k for k in props][:2],"properties":props}
S=lambda t,**k: dict({"type":"string","title":t},**k)
D=lambda t: {"type":"string","format":"date","title":t}
I=lambda t,**k: dict({"type":"integer","title":t},**k)
B=lambda t: {"type":"boolean","title":t}
CCCD=S("Số định danh cá nhân",pattern="^[0-9]{12}$")
person={"ho_ten":S("Họ, chữ đệm, tên",maxLength=100),"so_dinh_danh":CCCD,"ngay_sinh":D("Ngày, tháng, năm sinh"),"noi_cu_tru":S("Nơi cư trú",maxLength=300),"dien_thoai":S("Số điện thoại",maxLength=15)}
def comp(code,name,req=True,form=None,qty="01 bản chính"):
    c={"code":code,"name":name,"required":req,"quantity":qty}
    if form: c["form"]=form
    return c
P=[]
def add(nat,name,field,agency,days,online,result,legal,comps,fees=None,level="tỉnh",hours=None,desc="",eams=None):
    p={"code":f"{nat}.{H}","national_code":nat,"name":name,"field":field,"agency_code":agency,"level":level,
       "processing_days":days,"online":online,"result_type":result,"legal_basis":legal,"components":comps,
       "fees":fees or [],"process_key":"tthc-generic","channels":["truc_tiep","truc_tuyen","buu_chinh"],
       "description":desc or f"Thủ tục {name[0].lower()+name[1:]} do {AG[agency]} giải quyết."}
    if hours: p["processing_hours"]=hours
    if eams: p["eams"]=eams
    P.append(p)
AG={'000.00.02.H61':'Sở Nội vụ','000.00.03.H61':'Sở Tài chính','000.00.04.H61':'Sở Tư pháp','000.00.05.H61':'Sở Xây dựng',
'000.00.06.H61':'Sở Công Thương','000.00.07.H61':'Sở Y tế','000.00.08.H61':'Sở Khoa học và Công nghệ','000.00.09.H61':'Sở Nông nghiệp và Môi trường',
'000.00.10.H61':'Sở Giáo dục và Đào tạo','000.00.31.H61':'UBND phường An Hội','000.00.38.H61':'UBND phường Thanh Đức','000.00.01.H61':'Văn phòng UBND tỉnh'}
TP='000.00.04.H61'; XA='000.00.31.H61'; XA2='000.00.38.H61'
LHT=["Luật Hộ tịch số 60/2014/QH13","Nghị định 123/2015/NĐ-CP","Thông tư 04/2020/TT-BTP"]
LP=lambda amt,name="Lệ phí",note="": {"name":name,"amount":amt,"currency":"VND","note":note}
kс=None
add("1.001193","Đăng ký khai sinh","hotich",XA,0,"full","Giấy khai sinh (bản chính và bản sao theo yêu cầu)",LHT,
 [comp("TK-KS","Tờ khai đăng ký khai sinh",True,F("Tờ khai đăng ký khai sinh",{"ho_ten_tre":S("Họ, chữ đệm, tên người được khai sinh",maxLength=100),"gioi_tinh":S("Giới tính",enum=["Nam","Nữ"]),"ngay_sinh":D("Ngày, tháng, năm sinh"),"noi_sinh":S("Nơi sinh",maxLength=300),"dan_toc":S("Dân tộc"),"quoc_tich":S("Quốc tịch"),"ho_ten_me":S("Họ, chữ đệm, tên người mẹ"),"ho_ten_cha":S("Họ, chữ đệm, tên người cha"),"nguoi_yeu_cau":S("Họ tên người đi đăng ký")},["ho_ten_tre","gioi_tinh","ngay_sinh","noi_sinh"])),
  comp("GCS","Giấy chứng sinh hoặc văn bản của người làm chứng xác nhận về việc sinh"),
  comp("GTTT","Giấy tờ tùy thân của người đi đăng ký",True,None,"Xuất trình")],
 [LP(0,"Lệ phí đăng ký khai sinh đúng hạn","Miễn lệ phí")],level="xã",hours=None,
 desc="Đăng ký khai sinh cho trẻ em sinh ra tại Việt Nam, là công dân nước Cộng hòa xã hội chủ nghĩa Việt Nam; kết quả trả ngay trong ngày làm việc, trường hợp nhận hồ sơ sau 15 giờ trả trong ngày làm việc tiếp theo.",eams=["BRM003.011.006","ARM001.001"])
add("1.000894","Đăng ký kết hôn","hotich",XA,0,"partial","Giấy chứng nhận kết hôn",LHT,
 [comp("TK-KH","Tờ khai đăng ký kết hôn",True,F("Tờ khai đăng ký kết hôn",{"ho_ten_chong":S("Họ, chữ đệm, tên bên nam"),"so_dinh_danh_chong":CCCD,"ho_ten_vo":S("Họ, chữ đệm, tên bên nữ"),"so_dinh_danh_vo":CCCD,"noi_cu_tru":S("Nơi cư trú")},["ho_ten_chong","ho_ten_vo"])),
  comp("XNTTHN","Giấy xác nhận tình trạng hôn nhân (nếu đăng ký tại nơi không thường trú)",False)],[LP(0,"Lệ phí","Miễn lệ phí đối với công dân cư trú trong nước")],level="xã")
add("1.000656","Đăng ký khai tử","hotich",XA,1,"full","Trích lục khai tử",LHT,
 [comp("TK-KT","Tờ khai đăng ký khai tử",True,F("Tờ khai đăng ký khai tử",{"ho_ten_nguoi_chet":S("Họ, chữ đệm, tên người chết"),"ngay_chet":D("Ngày chết"),"noi_chet":S("Nơi chết"),"nguyen_nhan":S("Nguyên nhân chết")})),
  comp("GBT","Giấy báo tử hoặc giấy tờ thay giấy báo tử")],[LP(0)],level="xã")
add("1.004873","Cấp bản sao trích lục hộ tịch","hotich",XA,0,"full","Bản sao trích lục hộ tịch",LHT,
 [comp("TK-BS","Tờ khai cấp bản sao trích lục hộ tịch",True,F("Tờ khai cấp bản sao trích lục hộ tịch",{"loai_trich_luc":S("Loại trích lục",enum=["Khai sinh","Kết hôn","Khai tử"]),"so_ban":I("Số bản",minimum=1,maximum=10),**{k:person[k] for k in ["ho_ten","so_dinh_danh"]}}))],[LP(8000,"Phí cấp bản sao","8.000 đồng/bản")],level="xã")
add("1.004884","Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch","hotich",XA,3,"partial","Trích lục thay đổi, cải chính hộ tịch",LHT,
 [comp("TK-CC","Tờ khai đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch",True,F("Tờ khai cải chính hộ tịch",{**person,"noi_dung":S("Nội dung đề nghị thay đổi, cải chính",maxLength=2000),"ly_do":S("Lý do")},["ho_ten","noi_dung"])),comp("GT","Giấy tờ làm căn cứ cải chính")],[LP(15000)],level="xã")
add("1.001022","Đăng ký nhận cha, mẹ, con","hotich",XA,3,"partial","Trích lục đăng ký nhận cha, mẹ, con",LHT,
 [comp("TK-NCMC","Tờ khai đăng ký nhận cha, mẹ, con",True,F("Tờ khai nhận cha, mẹ, con",{"ho_ten_nguoi_nhan":S("Người nhận"),"ho_ten_nguoi_duoc_nhan":S("Người được nhận"),"quan_he":S("Quan hệ",enum=["Cha - con","Mẹ - con"])})),comp("CC","Chứng cứ chứng minh quan hệ cha, mẹ, con")],[LP(0)],level="xã")
add("1.003583","Xác nhận tình trạng hôn nhân","hotich",XA,3,"full","Giấy xác nhận tình trạng hôn nhân",LHT,
 [comp("TK-XNHN","Tờ khai cấp Giấy xác nhận tình trạng hôn nhân",True,F("Tờ khai xác nhận tình trạng hôn nhân",{**person,"muc_dich":S("Mục đích sử dụng",maxLength=300)},["ho_ten","so_dinh_danh","muc_dich"]))],[LP(0)],level="xã")
add("2.000908","Chứng thực bản sao từ bản chính giấy tờ, văn bản","chungthuc",XA2,0,"partial","Bản sao có chứng thực",["Nghị định 23/2015/NĐ-CP","Thông tư 01/2020/TT-BTP"],
 [comp("BC","Bản chính giấy tờ, văn bản cần chứng thực",True,None,"01 bản chính"),comp("BS","Bản sao cần chứng thực",True,None,"Theo yêu cầu")],[LP(2000,"Phí chứng thực","2.000 đồng/trang; từ trang thứ ba 1.000 đồng/trang, tối đa 200.000 đồng/bản")],level="xã")
add("2.000884","Chứng thực chữ ký trong các giấy tờ, văn bản","chungthuc",XA2,0,"partial","Giấy tờ đã chứng thực chữ ký",["Nghị định 23/2015/NĐ-CP"],
 [comp("GT","Giấy tờ, văn bản cần chứng thực chữ ký"),comp("GTTT","Giấy tờ tùy thân của người yêu cầu",True,None,"Xuất trình")],[LP(10000,"Phí chứng thực chữ ký","10.000 đồng/trường hợp")],level="xã")
add("2.000815","Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản","chungthuc",XA2,2,"none","Hợp đồng đã chứng thực",["Nghị định 23/2015/NĐ-CP"],
 [comp("DT","Dự thảo hợp đồng, giao dịch"),comp("GTTS","Giấy tờ chứng minh quyền sở hữu tài sản")],[LP(50000,"Phí chứng thực hợp đồng")],level="xã")
LLT=["Luật Lý lịch tư pháp số 28/2009/QH12","Nghị định 111/2010/NĐ-CP","Thông tư 06/2024/TT-BTP"]
add("2.000488","Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam","lltp",TP,10,"full","Phiếu lý lịch tư pháp số 1 hoặc số 2",LLT,
 [comp("TK-LLTP","Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp",True,F("Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp",{**person,"gioi_tinh":S("Giới tính",enum=["Nam","Nữ"]),"noi_sinh":S("Nơi sinh"),"loai_phieu":S("Loại phiếu yêu cầu",enum=["Phiếu số 1","Phiếu số 2"]),"so_luong":I("Số lượng phiếu",minimum=1,maximum=10),"muc_dich":S("Mục đích sử dụng")},["ho_ten","so_dinh_danh","ngay_sinh","loai_phieu"]))],
 [LP(200000,"Phí cung cấp thông tin lý lịch tư pháp","200.000 đồng/lần/người; sinh viên, người có công 100.000 đồng"),LP(5000,"Phí cấp từ Phiếu thứ 3 trở đi","5.000 đồng/phiếu")],eams=["BRM003.011.006"])
add("2.001481","Cấp Phiếu lý lịch tư pháp cho cơ quan tiến hành tố tụng","lltp",TP,10,"partial","Phiếu lý lịch tư pháp",LLT,[comp("VB","Văn bản yêu cầu của cơ quan tiến hành tố tụng")],[])
add("1.008722","Thành lập văn phòng công chứng","congchung",TP,20,"partial","Quyết định cho phép thành lập Văn phòng công chứng",["Luật Công chứng số 46/2024/QH15"],
 [comp("DN","Đơn đề nghị thành lập Văn phòng công chứng",True,F("Đơn đề nghị thành lập Văn phòng công chứng",{"ten_van_phong":S("Tên văn phòng công chứng dự kiến"),"cong_chung_vien":S("Công chứng viên thành lập"),"tru_so":S("Địa chỉ trụ sở")})),comp("DA","Đề án thành lập Văn phòng công chứng")],[LP(1000000,"Phí thẩm định","1.000.000 đồng/hồ sơ")])
add("1.001766","Đăng ký hành nghề và cấp Thẻ công chứng viên","congchung",TP,10,"partial","Thẻ công chứng viên",["Luật Công chứng số 46/2024/QH15"],[comp("DN","Giấy đề nghị đăng ký hành nghề"),comp("QD","Quyết định bổ nhiệm công chứng viên")],[LP(0)])
add("2.000635","Đăng ký hoạt động của Trung tâm trọng tài","trongtai",TP,10,"partial","Giấy đăng ký hoạt động",["Luật Trọng tài thương mại 2010"],[comp("DN","Đơn đăng ký hoạt động"),comp("GP","Giấy phép thành lập")],[LP(1000000)])
add("1.000970","Thủ tục đăng ký kết hôn có yếu tố nước ngoài","hotich",TP,10,"partial","Giấy chứng nhận kết hôn",LHT,[comp("TK-KH","Tờ khai đăng ký kết hôn"),comp("XNHN","Giấy xác nhận tình trạng hôn nhân của người nước ngoài"),comp("KSK","Giấy xác nhận sức khỏe tâm thần")],[LP(1500000,"Lệ phí")])
KD=["Luật Doanh nghiệp số 59/2020/QH14","Nghị định 168/2025/NĐ-CP"]
dn={"ten_doanh_nghiep":S("Tên doanh nghiệp bằng tiếng Việt",maxLength=200),"dia_chi_tru_so":S("Địa chỉ trụ sở chính"),"nganh_nghe":S("Ngành, nghề kinh doanh (mã VSIC)"),"von_dieu_le":I("Vốn điều lệ (đồng)",minimum=0),"nguoi_dai_dien":S("Người đại diện theo pháp luật"),"so_dinh_danh":CCCD}
add("2.001610","Đăng ký thành lập doanh nghiệp tư nhân","dkdn",'000.00.03.H61',3,"full","Giấy chứng nhận đăng ký doanh nghiệp",KD,[comp("GDN","Giấy đề nghị đăng ký doanh nghiệp",True,F("Giấy đề nghị đăng ký doanh nghiệp tư nhân",dn,["ten_doanh_nghiep","dia_chi_tru_so","nganh_nghe","von_dieu_le"]))],[LP(50000,"Lệ phí đăng ký doanh nghiệp","Miễn khi đăng ký qua mạng")],eams=["BRM001.001.003"])
add("2.002040","Đăng ký thành lập công ty TNHH một thành viên","dkdn",'000.00.03.H61',3,"full","Giấy chứng nhận đăng ký doanh nghiệp",KD,[comp("GDN","Giấy đề nghị đăng ký doanh nghiệp",True,F("Giấy đề nghị đăng ký công ty TNHH một thành viên",dn,["ten_doanh_nghiep","dia_chi_tru_so","von_dieu_le"])),comp("DL","Điều lệ công ty")],[LP(50000)],eams=["BRM001.001.003"])
add("2.002041","Đăng ký thành lập công ty cổ phần","dkdn",'000.00.03.H61',3,"full","Giấy chứng nhận đăng ký doanh nghiệp",KD,[comp("GDN","Giấy đề nghị đăng ký doanh nghiệp",True,F("Giấy đề nghị đăng ký công ty cổ phần",dn)),comp("DL","Điều lệ công ty"),comp("DS","Danh sách cổ đông sáng lập")],[LP(50000)])
add("2.002098","Đăng ký thay đổi nội dung đăng ký doanh nghiệp","dkdn",'000.00.03.H61',3,"full","Giấy chứng nhận đăng ký doanh nghiệp (cấp đổi)",KD,[comp("TB","Thông báo thay đổi nội dung đăng ký doanh nghiệp")],[LP(50000)])
add("1.001612","Đăng ký thành lập hộ kinh doanh","hokd",XA,3,"full","Giấy chứng nhận đăng ký hộ kinh doanh",KD,[comp("GDN","Giấy đề nghị đăng ký hộ kinh doanh",True,F("Giấy đề nghị đăng ký hộ kinh doanh",{"ten_ho_kinh_doanh":S("Tên hộ kinh doanh"),"dia_diem":S("Địa điểm kinh doanh"),"nganh_nghe":S("Ngành, nghề kinh doanh"),"von":I("Vốn kinh doanh (đồng)",minimum=0),**person}))],[LP(100000)],level="xã")
add("1.009987","Quyết định chủ trương đầu tư của UBND cấp tỉnh","dautu",'000.00.03.H61',35,"partial","Quyết định chấp thuận chủ trương đầu tư",["Luật Đầu tư số 61/2020/QH14"],[comp("VB","Văn bản đề nghị thực hiện dự án đầu tư"),comp("DX","Đề xuất dự án đầu tư")],[])
XD=["Luật Xây dựng số 50/2014/QH13, sửa đổi 2020","Nghị định 175/2024/NĐ-CP"]
add("1.009972","Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II","xaydung",'000.00.05.H61',20,"partial","Giấy phép xây dựng",XD,[comp("DN","Đơn đề nghị cấp giấy phép xây dựng",True,F("Đơn đề nghị cấp giấy phép xây dựng",{"chu_dau_tu":S("Chủ đầu tư"),"dia_diem":S("Địa điểm xây dựng"),"loai_cong_trinh":S("Loại, cấp công trình"),"dien_tich":I("Diện tích xây dựng (m²)",minimum=1),"so_tang":I("Số tầng",minimum=1)},["chu_dau_tu","dia_diem","loai_cong_trinh"])),comp("QSDD","Giấy tờ về quyền sử dụng đất"),comp("BV","Bản vẽ thiết kế xây dựng")],[LP(150000,"Lệ phí cấp giấy phép xây dựng")],eams=["BRM003.006.006"])
add("1.009974","Cấp giấy phép xây dựng nhà ở riêng lẻ","xaydung",XA,15,"full","Giấy phép xây dựng",XD,[comp("DN","Đơn đề nghị cấp giấy phép xây dựng",True,F("Đơn đề nghị cấp giấy phép xây dựng nhà ở riêng lẻ",{"chu_nha":S("Chủ hộ"),"dia_diem":S("Địa điểm xây dựng"),"dien_tich":I("Diện tích xây dựng (m²)",minimum=1),"so_tang":I("Số tầng",minimum=1)})),comp("QSDD","Giấy chứng nhận quyền sử dụng đất"),comp("BV","Bản vẽ thiết kế")],[LP(75000,"Lệ phí cấp giấy phép xây dựng nhà ở riêng lẻ")],level="xã")
add("1.009975","Cấp điều chỉnh giấy phép xây dựng","xaydung",'000.00.05.H61',20,"partial","Giấy phép xây dựng điều chỉnh",XD,[comp("DN","Đơn đề nghị điều chỉnh giấy phép xây dựng"),comp("GP","Bản chính giấy phép xây dựng đã được cấp")],[LP(150000)])
add("1.009794","Thẩm định báo cáo nghiên cứu khả thi đầu tư xây dựng","xaydung",'000.00.05.H61',30,"partial","Văn bản thông báo kết quả thẩm định",XD,[comp("TT","Tờ trình thẩm định"),comp("BC","Báo cáo nghiên cứu khả thi")],[LP(0,"Phí thẩm định","Theo Thông tư 28/2023/TT-BTC")])
add("1.002625","Cấp chứng chỉ hành nghề hoạt động xây dựng hạng II, hạng III","xaydung",'000.00.05.H61',20,"full","Chứng chỉ hành nghề",XD,[comp("DN","Đơn đề nghị cấp chứng chỉ hành nghề",True,F("Đơn đề nghị cấp chứng chỉ hành nghề",{**person,"linh_vuc":S("Lĩnh vực đề nghị cấp"),"hang":S("Hạng",enum=["II","III"])}))],[LP(300000)])
add("1.001049","Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm đối với cơ sở sản xuất thực phẩm","attp",'000.00.06.H61',20,"full","Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",["Luật An toàn thực phẩm số 55/2010/QH12","Nghị định 15/2018/NĐ-CP"],[comp("DN","Đơn đề nghị cấp Giấy chứng nhận",True,F("Đơn đề nghị cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",{"ten_co_so":S("Tên cơ sở"),"dia_chi":S("Địa chỉ cơ sở"),"mat_hang":S("Mặt hàng sản xuất"),"ma_so_thue":S("Mã số thuế")})),comp("TM","Bản thuyết minh về cơ sở vật chất, trang thiết bị"),comp("XN","Giấy xác nhận đủ sức khỏe của chủ cơ sở và người trực tiếp sản xuất")],[LP(2500000,"Phí thẩm định cơ sở")],eams=["BRM003.001.001"])
add("2.000591","Cấp Giấy phép bán lẻ sản phẩm rượu","thuongmai",'000.00.06.H61',10,"full","Giấy phép bán lẻ sản phẩm rượu",["Nghị định 105/2017/NĐ-CP"],[comp("DN","Đơn đề nghị cấp giấy phép"),comp("HD","Bản sao hợp đồng mua bán với nhà cung cấp")],[LP(1100000,"Phí thẩm định","Tại thành phố; 550.000 đồng tại khu vực khác")])
add("2.000620","Cấp Giấy chứng nhận đủ điều kiện cửa hàng bán lẻ xăng dầu","thuongmai",'000.00.06.H61',15,"partial","Giấy chứng nhận đủ điều kiện",["Nghị định 83/2014/NĐ-CP"],[comp("DN","Đơn đề nghị"),comp("TK","Tài liệu chứng minh cửa hàng đáp ứng điều kiện")],[LP(1200000)])
add("1.001213","Cấp giấy phép hoạt động điện lực","dien",'000.00.06.H61',10,"partial","Giấy phép hoạt động điện lực",["Luật Điện lực số 61/2024/QH15"],[comp("DN","Văn bản đề nghị cấp giấy phép"),comp("DS","Danh sách người quản lý kỹ thuật")],[LP(800000)])
YT=["Luật Khám bệnh, chữa bệnh số 15/2023/QH15","Nghị định 96/2023/NĐ-CP"]
add("1.003654","Cấp giấy phép hành nghề khám bệnh, chữa bệnh","khambenh",'000.00.07.H61',20,"partial","Giấy phép hành nghề",YT,[comp("DN","Đơn đề nghị cấp giấy phép hành nghề",True,F("Đơn đề nghị cấp giấy phép hành nghề",{**person,"chuc_danh":S("Chức danh chuyên môn",enum=["Bác sỹ","Y sỹ","Điều dưỡng","Hộ sinh","Kỹ thuật y"]),"pham_vi":S("Phạm vi hành nghề")})),comp("VB","Văn bằng chuyên môn"),comp("GKSK","Giấy chứng nhận đủ sức khỏe")],[LP(360000,"Phí thẩm định")])
add("1.003729","Cấp giấy phép hoạt động đối với phòng khám đa khoa","khambenh",'000.00.07.H61',30,"partial","Giấy phép hoạt động",YT,[comp("DN","Đơn đề nghị cấp giấy phép hoạt động"),comp("DS","Danh sách người hành nghề")],[LP(5700000)])
add("1.004604","Cấp Chứng chỉ hành nghề dược","duocpham",'000.00.07.H61',20,"full","Chứng chỉ hành nghề dược",["Luật Dược số 105/2016/QH13"],[comp("DN","Đơn đề nghị cấp Chứng chỉ hành nghề dược",True,F("Đơn đề nghị cấp Chứng chỉ hành nghề dược",{**person,"van_bang":S("Văn bằng chuyên môn"),"vi_tri":S("Vị trí hành nghề")}))],[LP(500000)])
add("1.004616","Cấp Giấy chứng nhận đủ điều kiện kinh doanh dược cho nhà thuốc","duocpham",'000.00.07.H61',20,"partial","Giấy chứng nhận đủ điều kiện kinh doanh dược",["Luật Dược số 105/2016/QH13","Nghị định 54/2017/NĐ-CP"],[comp("DN","Đơn đề nghị"),comp("CCHN","Bản sao chứng chỉ hành nghề dược")],[LP(1000000)])
add("1.012596","Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm do Sở Y tế quản lý","attp",'000.00.07.H61',20,"full","Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",["Luật An toàn thực phẩm số 55/2010/QH12"],[comp("DN","Đơn đề nghị"),comp("TM","Bản thuyết minh cơ sở vật chất")],[LP(1000000)])
DD=["Luật Đất đai số 31/2024/QH15","Nghị định 101/2024/NĐ-CP"]
add("1.012776","Đăng ký đất đai, tài sản gắn liền với đất lần đầu","datdai",'000.00.09.H61',20,"partial","Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",DD,[comp("DK","Đơn đăng ký đất đai, tài sản gắn liền với đất",True,F("Đơn đăng ký đất đai, tài sản gắn liền với đất",{"nguoi_su_dung_dat":S("Người sử dụng đất"),"so_dinh_danh":CCCD,"thua_dat":S("Thửa đất số, tờ bản đồ số"),"dia_chi_thua_dat":S("Địa chỉ thửa đất"),"dien_tich":I("Diện tích (m²)",minimum=1),"muc_dich":S("Mục đích sử dụng")},["nguoi_su_dung_dat","thua_dat","dien_tich"])),comp("GT","Giấy tờ về quyền sử dụng đất")],[LP(100000,"Lệ phí cấp Giấy chứng nhận")],eams=["BRM003.013.002"])
add("1.012790","Đăng ký biến động đất đai do chuyển nhượng, tặng cho quyền sử dụng đất","datdai",'000.00.09.H61',10,"partial","Giấy chứng nhận đã cập nhật biến động",DD,[comp("DK","Đơn đăng ký biến động đất đai"),comp("HD","Hợp đồng chuyển nhượng, tặng cho đã công chứng"),comp("GCN","Bản gốc Giấy chứng nhận đã cấp")],[LP(50000)])
add("1.004228","Cấp giấy phép môi trường","moitruong",'000.00.09.H61',30,"partial","Giấy phép môi trường",["Luật Bảo vệ môi trường số 72/2020/QH14","Nghị định 08/2022/NĐ-CP"],[comp("VB","Văn bản đề nghị cấp giấy phép môi trường"),comp("BC","Báo cáo đề xuất cấp giấy phép môi trường")],[LP(0,"Phí thẩm định","Theo Nghị quyết của HĐND tỉnh")])
add("1.003434","Cấp giấy phép khai thác nước mặt","tainguyennuoc",'000.00.09.H61',30,"partial","Giấy phép khai thác tài nguyên nước",["Luật Tài nguyên nước số 28/2023/QH15"],[comp("DN","Đơn đề nghị cấp giấy phép"),comp("DA","Đề án khai thác nước mặt")],[LP(2000000)])
add("1.001818","Hỗ trợ khôi phục sản xuất vùng bị thiệt hại do thiên tai","nongnghiep",'000.00.09.H61',10,"partial","Quyết định hỗ trợ",["Nghị định 09/2025/NĐ-CP"],[comp("DN","Đơn đề nghị hỗ trợ")],[])
GD=["Luật Giáo dục số 43/2019/QH14"]
add("1.005092","Cấp bản sao văn bằng, chứng chỉ từ sổ gốc","vanbang",'000.00.10.H61',3,"full","Bản sao văn bằng, chứng chỉ",GD,[comp("DN","Đơn đề nghị cấp bản sao văn bằng",True,F("Đơn đề nghị cấp bản sao văn bằng, chứng chỉ từ sổ gốc",{**person,"loai_van_bang":S("Loại văn bằng",enum=["Bằng tốt nghiệp THPT","Bằng tốt nghiệp THCS","Chứng chỉ"]),"nam_tot_nghiep":I("Năm tốt nghiệp",minimum=1950,maximum=2100),"truong":S("Trường")},["ho_ten","ngay_sinh","loai_van_bang","nam_tot_nghiep"]))],[LP(0)])
add("1.005088","Chỉnh sửa nội dung văn bằng, chứng chỉ","vanbang",'000.00.10.H61',5,"partial","Văn bằng đã chỉnh sửa",GD,[comp("DN","Đơn đề nghị chỉnh sửa"),comp("VB","Văn bằng đề nghị chỉnh sửa")],[LP(0)])
add("1.004438","Cho phép trường trung học phổ thông hoạt động giáo dục","giaoduc",'000.00.10.H61',20,"partial","Quyết định cho phép hoạt động giáo dục",GD,[comp("TT","Tờ trình đề nghị cho phép hoạt động"),comp("QD","Quyết định thành lập trường")],[])
add("1.001639","Chuyển trường đối với học sinh trung học phổ thông","giaoduc",'000.00.10.H61',3,"full","Văn bản đồng ý chuyển trường",GD,[comp("DN","Đơn xin chuyển trường",True,F("Đơn xin chuyển trường",{"ho_ten_hoc_sinh":S("Họ tên học sinh"),"ngay_sinh":D("Ngày sinh"),"truong_di":S("Trường đang học"),"truong_den":S("Trường xin chuyển đến"),"ly_do":S("Lý do")}))],[])
NV=["Luật Thi đua, khen thưởng số 06/2022/QH15","Nghị định 98/2023/NĐ-CP"]
add("1.000748","Tặng Bằng khen của Chủ tịch Ủy ban nhân dân cấp tỉnh","thiduakhenthuong",'000.00.02.H61',20,"none","Quyết định tặng Bằng khen",NV,[comp("TT","Tờ trình đề nghị khen thưởng"),comp("BC","Báo cáo thành tích")],[])
add("1.001078","Đăng ký hoạt động tín ngưỡng","tongiao",XA,15,"partial","Văn bản chấp thuận",["Luật Tín ngưỡng, tôn giáo số 02/2016/QH14"],[comp("VB","Văn bản đăng ký hoạt động tín ngưỡng"),comp("DS","Danh sách lễ hội tín ngưỡng")],[],level="xã")
add("1.009332","Thành lập hội có phạm vi hoạt động trong tỉnh","hoi",'000.00.02.H61',30,"partial","Quyết định cho phép thành lập hội",["Nghị định 126/2024/NĐ-CP"],[comp("DN","Đơn đề nghị thành lập hội"),comp("DL","Dự thảo điều lệ hội")],[])
add("1.001259","Thi tuyển công chức","congchuc",'000.00.02.H61',30,"full","Quyết định tuyển dụng",["Nghị định 170/2025/NĐ-CP"],[comp("PDK","Phiếu đăng ký dự tuyển",True,F("Phiếu đăng ký dự tuyển công chức",{**person,"vi_tri":S("Vị trí dự tuyển"),"trinh_do":S("Trình độ chuyên môn")}))],[LP(500000,"Phí dự tuyển")])
add("1.011622","Cấp Giấy chứng nhận đăng ký hoạt động khoa học và công nghệ","khcn",'000.00.08.H61',15,"full","Giấy chứng nhận đăng ký hoạt động khoa học và công nghệ",["Luật Khoa học và Công nghệ số 29/2013/QH13"],[comp("DN","Đơn đăng ký hoạt động khoa học và công nghệ"),comp("QD","Quyết định thành lập tổ chức")],[LP(0)])
add("1.003618","Cấp giấy phép tiến hành công việc bức xạ (sử dụng thiết bị X-quang chẩn đoán y tế)","khcn",'000.00.08.H61',15,"partial","Giấy phép tiến hành công việc bức xạ",["Luật Năng lượng nguyên tử"],[comp("DN","Đơn đề nghị cấp giấy phép"),comp("BC","Báo cáo đánh giá an toàn bức xạ")],[LP(2000000)])
add("2.001914","Cấp giấy phép thiết lập trang thông tin điện tử tổng hợp","thongtin",'000.00.08.H61',10,"full","Giấy phép thiết lập trang thông tin điện tử tổng hợp",["Nghị định 147/2024/NĐ-CP"],[comp("DN","Đơn đề nghị cấp giấy phép"),comp("DA","Đề án hoạt động")],[])
add("1.000775","Giải quyết khiếu nại lần đầu","khieunai",'000.00.01.H61',30,"partial","Quyết định giải quyết khiếu nại",["Luật Khiếu nại số 02/2011/QH13"],[comp("DKN","Đơn khiếu nại",True,F("Đơn khiếu nại",{**person,"noi_dung":S("Nội dung khiếu nại",maxLength=4000),"quyet_dinh_bi_khieu_nai":S("Quyết định, hành vi bị khiếu nại")},["ho_ten","noi_dung"]))],[])
ws=[p for p in P]
assert len({p['code'] for p in P})==len(P)
print(len(P), len({p['agency_code'] for p in P}))
json.dump(P, open('data/procedures/procedures.json','w'), ensure_ascii=False, indent=1)
