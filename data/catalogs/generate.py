# Generates the built-in catalogue CSV files and index.json in data/catalogs/ (run from the
# repo root: python3 data/catalogs/generate.py). The CSV files are what egov loads; this
# script only documents how they were assembled. Sources: data/README.md.
import csv, json, gettext, os
OUT = 'data/catalogs'
index = []

def write(code, name, props, rows, source, description='', owner=None):
    path = os.path.join(OUT, code + '.csv')
    with open(path, 'w', newline='', encoding='utf-8') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow([p[0] for p in props] + ['valid_from', 'valid_to'])
        for r in rows:
            r = list(r) + [''] * (len(props) + 2 - len(r))
            w.writerow(r)
    index.append({'code': code, 'name': name, 'description': description, 'owner_agency': owner,
                  'source': source, 'file': code + '.csv',
                  'properties': [{'code': p[0], 'name': p[1], 'type': p[2] if len(p) > 2 else 'string'} for p in props]})

dantoc = ['Kinh','Tày','Thái','Hoa','Khơ-me','Mường','Nùng','HMông','Dao','Gia-rai','Ngái','Ê-đê','Ba-na','Xơ-Đăng','Sán Chay','Cơ-ho','Chăm','Sán Dìu','Hrê','Mnông','Ra-glai','Xtiêng','Bru-Vân Kiều','Thổ','Giáy','Cơ-tu','Gié-Triêng','Mạ','Khơ-mú','Co','Tà-ôi','Chơ-ro','Kháng','Xinh-mun','Hà Nhì','Chu-ru','Lào','La Chí','La Ha','Phù Lá','La Hủ','Lự','Lô Lô','Chứt','Mảng','Pà Thẻn','Cơ Lao','Cống','Bố Y','Si La','Pu Péo','Brâu','Ơ Đu','Rơ-măm']
other = {'Khơ-me':'Khmer','HMông':'Mông, Mèo','Ê-đê':'Ê Đê, Rađê','Tày':'Thổ (cũ)','Hoa':'Hán','Gia-rai':'Jrai','Ba-na':'Bahnar'}
assert len(dantoc) == 54
write('dantoc', 'Danh mục các dân tộc Việt Nam',
      [('MaDanToc', 'Mã dân tộc'), ('TenDanToc', 'Tên dân tộc'), ('TenGoiKhac', 'Tên gọi khác')],
      [('%02d' % (i + 1), n, other.get(n, '')) for i, n in enumerate(dantoc)],
      'Quyết định 121-TCTK/PPCĐ ngày 02/3/1979 của Tổng cục Thống kê (54 dân tộc, mã 01-54)')

tongiao = ['Không','Phật giáo','Công giáo','Tin lành','Cao Đài','Phật giáo Hòa Hảo','Hồi giáo','Tôn giáo Baha\'i','Tịnh độ Cư sĩ Phật hội Việt Nam','Cơ đốc Phục lâm Việt Nam','Phật giáo Tứ Ân Hiếu Nghĩa','Minh Sư đạo','Minh Lý đạo - Tam Tông Miếu','Giáo hội Phật đường Nam Tông Minh Sư đạo','Hội thánh Tin lành Trưởng lão','Bửu Sơn Kỳ Hương','Bà-la-môn giáo','Giáo hội Các Thánh hữu Ngày sau của Chúa Giê-su Ky-tô (Mặc Môn)','Phật hội Hiếu Nghĩa Tà Lơn']
write('tongiao', 'Danh mục tôn giáo', [('MaTonGiao', 'Mã tôn giáo'), ('TenTonGiao', 'Tên tôn giáo')],
      [('%02d' % i, n) for i, n in enumerate(tongiao)],
      'Ban Tôn giáo Chính phủ: các tôn giáo đã được công nhận (mã do egov đánh số, [R])')

write('gioitinh', 'Danh mục giới tính', [('MaGioiTinh', 'Mã giới tính'), ('TenGioiTinh', 'Tên giới tính')],
      [('0', 'Chưa có thông tin'), ('1', 'Nam'), ('2', 'Nữ')], 'Mã giới tính dùng trong CSDL quốc gia về dân cư [R]')

write('tinhtranghonnhan', 'Danh mục tình trạng hôn nhân', [('MaTinhTrang', 'Mã'), ('TenTinhTrang', 'Tình trạng hôn nhân')],
      [('1', 'Chưa kết hôn'), ('2', 'Đang có vợ/chồng'), ('3', 'Đã ly hôn'), ('4', 'Góa vợ/chồng'), ('5', 'Ly thân')],
      'Luật Hôn nhân và gia đình 2014; mã do egov đánh số [R]')

vb = [('HP','Hiến pháp','QPPL'),('BL','Bộ luật','QPPL'),('L','Luật','QPPL'),('NQ','Nghị quyết','QPPL'),('PL','Pháp lệnh','QPPL'),('LT','Lệnh','QPPL'),('NĐ','Nghị định','QPPL'),('TT','Thông tư','QPPL'),('TTLT','Thông tư liên tịch','QPPL'),
      ('QĐ','Quyết định','HC'),('CT','Chỉ thị','HC'),('QC','Quy chế','HC'),('QYĐ','Quy định','HC'),('TC','Thông cáo','HC'),('TB','Thông báo','HC'),('HD','Hướng dẫn','HC'),('CTr','Chương trình','HC'),('KH','Kế hoạch','HC'),('PA','Phương án','HC'),('ĐA','Đề án','HC'),('DA','Dự án','HC'),('BC','Báo cáo','HC'),('BB','Biên bản','HC'),('TTr','Tờ trình','HC'),('HĐ','Hợp đồng','HC'),('CV','Công văn','HC'),('CĐ','Công điện','HC'),('BGN','Bản ghi nhớ','HC'),('BTT','Bản thỏa thuận','HC'),('GUQ','Giấy ủy quyền','HC'),('GM','Giấy mời','HC'),('GGT','Giấy giới thiệu','HC'),('GNP','Giấy nghỉ phép','HC'),('PG','Phiếu gửi','HC'),('PC','Phiếu chuyển','HC'),('PB','Phiếu báo','HC'),('TCg','Thư công','HC')]
write('loaivanban', 'Danh mục loại văn bản', [('MaLoaiVanBan', 'Mã (chữ viết tắt)'), ('TenLoaiVanBan', 'Tên loại văn bản'), ('Nhom', 'Nhóm (QPPL: quy phạm pháp luật, HC: hành chính)')],
      vb, 'Luật Ban hành văn bản quy phạm pháp luật 2025 (loại văn bản QPPL) và Nghị định 30/2020/NĐ-CP, Phụ lục III (29 loại văn bản hành chính và chữ viết tắt) [R]')

write('dokhan', 'Danh mục độ khẩn văn bản', [('MaDoKhan', 'Mã độ khẩn'), ('TenDoKhan', 'Độ khẩn')],
      [('0', 'Thường'), ('1', 'Khẩn'), ('2', 'Thượng khẩn'), ('3', 'Hỏa tốc')], 'Nghị định 30/2020/NĐ-CP, Điều 15 (Khẩn, Thượng khẩn, Hỏa tốc) [R]')

procs = json.load(open('data/procedures/procedures.json'))
fields = {'hotich':'Hộ tịch','chungthuc':'Chứng thực','lltp':'Lý lịch tư pháp','congchung':'Công chứng','trongtai':'Trọng tài thương mại','dkdn':'Thành lập và hoạt động của doanh nghiệp','hokd':'Thành lập và hoạt động của hộ kinh doanh','dautu':'Đầu tư tại Việt Nam','xaydung':'Hoạt động xây dựng','attp':'An toàn thực phẩm','thuongmai':'Lưu thông hàng hóa trong nước','dien':'Điện','khambenh':'Khám bệnh, chữa bệnh','duocpham':'Dược phẩm','datdai':'Đất đai','moitruong':'Môi trường','tainguyennuoc':'Tài nguyên nước','nongnghiep':'Phòng, chống thiên tai','vanbang':'Văn bằng, chứng chỉ','giaoduc':'Giáo dục trung học','thiduakhenthuong':'Thi đua, khen thưởng','tongiao':'Tín ngưỡng, tôn giáo','hoi':'Tổ chức hội, tổ chức phi chính phủ','congchuc':'Công chức, viên chức','khcn':'Hoạt động khoa học và công nghệ','thongtin':'Thông tin điện tử','khieunai':'Giải quyết khiếu nại'}
assert {p['field'] for p in procs} <= set(fields), {p['field'] for p in procs} - set(fields)
write('linhvuc', 'Danh mục lĩnh vực thủ tục hành chính', [('MaLinhVuc', 'Mã lĩnh vực'), ('TenLinhVuc', 'Tên lĩnh vực')],
      sorted(fields.items()), 'Tên lĩnh vực theo Cơ sở dữ liệu quốc gia về thủ tục hành chính [R]; mã ngắn do egov đặt')

# countries and nationalities (ISO 3166-1) with Vietnamese names from Debian iso-codes
d = json.load(open('/usr/share/iso-codes/json/iso_3166-1.json'))['3166-1']
t = gettext.translation('iso_3166-1', localedir='/usr/share/locale', languages=['vi'])
fix = {'VN':'Việt Nam','US':'Hoa Kỳ','KR':'Hàn Quốc','KP':'Triều Tiên','KH':'Campuchia','LA':'Lào','CN':'Trung Quốc','JP':'Nhật Bản','TH':'Thái Lan','GB':'Vương quốc Anh','FR':'Pháp','DE':'Đức','RU':'Liên bang Nga','AU':'Ô-xtrây-li-a','CA':'Ca-na-đa','SG':'Xin-ga-po','MY':'Ma-lai-xi-a','ID':'In-đô-nê-xi-a','PH':'Phi-líp-pin','IN':'Ấn Độ','TW':'Đài Loan (Trung Quốc)','AF':'Áp-ga-ni-xtan','IT':'I-ta-li-a','ES':'Tây Ban Nha','NL':'Hà Lan','BE':'Bỉ','CH':'Thụy Sĩ','SE':'Thụy Điển','NO':'Na Uy','DK':'Đan Mạch','FI':'Phần Lan','PL':'Ba Lan','CZ':'Séc','HU':'Hung-ga-ri','AT':'Áo','MM':'Mi-an-ma','BN':'Bru-nây','TL':'Đông Ti-mo','NZ':'Niu Di-lân','BR':'Bra-xin','AR':'Ác-hen-ti-na','MX':'Mê-hi-cô','CU':'Cu-ba','EG':'Ai Cập','ZA':'Nam Phi','IL':'I-xra-en','TR':'Thổ Nhĩ Kỳ','SA':'A-rập Xê-út','AE':'Các Tiểu vương quốc A-rập Thống nhất','UA':'U-crai-na','MN':'Mông Cổ','HK':'Hồng Kông (Trung Quốc)','MO':'Ma Cao (Trung Quốc)'}
rows = []
for x in sorted(d, key=lambda x: x['alpha_2']):
    vi = fix.get(x['alpha_2']) or t.gettext(x['name'])
    rows.append((x['alpha_2'], vi, x['name'], x['alpha_3'], x['numeric'], vi))
write('quocgia', 'Danh mục quốc gia, quốc tịch (ISO 3166-1)',
      [('MaQuocGia', 'Mã quốc gia (alpha-2)'), ('TenQuocGia', 'Tên quốc gia'), ('TenTiengAnh', 'Tên tiếng Anh'), ('MaAlpha3', 'Mã alpha-3'), ('MaSo', 'Mã số'), ('QuocTich', 'Quốc tịch')],
      rows, 'ISO 3166-1 từ gói Debian iso-codes (/usr/share/iso-codes/json/iso_3166-1.json, tên tiếng Việt từ bản dịch vi của gói; tên thông dụng sửa tay)')

# provinces before 1/7/2025 (63, GSO codes) and after (34, QĐ 19/2025/QĐ-TTg), with the mapping
old = [('01','Thành phố Hà Nội'),('02','Tỉnh Hà Giang'),('04','Tỉnh Cao Bằng'),('06','Tỉnh Bắc Kạn'),('08','Tỉnh Tuyên Quang'),('10','Tỉnh Lào Cai'),('11','Tỉnh Điện Biên'),('12','Tỉnh Lai Châu'),('14','Tỉnh Sơn La'),('15','Tỉnh Yên Bái'),('17','Tỉnh Hòa Bình'),('19','Tỉnh Thái Nguyên'),('20','Tỉnh Lạng Sơn'),('22','Tỉnh Quảng Ninh'),('24','Tỉnh Bắc Giang'),('25','Tỉnh Phú Thọ'),('26','Tỉnh Vĩnh Phúc'),('27','Tỉnh Bắc Ninh'),('30','Tỉnh Hải Dương'),('31','Thành phố Hải Phòng'),('33','Tỉnh Hưng Yên'),('34','Tỉnh Thái Bình'),('35','Tỉnh Hà Nam'),('36','Tỉnh Nam Định'),('37','Tỉnh Ninh Bình'),('38','Tỉnh Thanh Hóa'),('40','Tỉnh Nghệ An'),('42','Tỉnh Hà Tĩnh'),('44','Tỉnh Quảng Bình'),('45','Tỉnh Quảng Trị'),('46','Thành phố Huế'),('48','Thành phố Đà Nẵng'),('49','Tỉnh Quảng Nam'),('51','Tỉnh Quảng Ngãi'),('52','Tỉnh Bình Định'),('54','Tỉnh Phú Yên'),('56','Tỉnh Khánh Hòa'),('58','Tỉnh Ninh Thuận'),('60','Tỉnh Bình Thuận'),('62','Tỉnh Kon Tum'),('64','Tỉnh Gia Lai'),('66','Tỉnh Đắk Lắk'),('67','Tỉnh Đắk Nông'),('68','Tỉnh Lâm Đồng'),('70','Tỉnh Bình Phước'),('72','Tỉnh Tây Ninh'),('74','Tỉnh Bình Dương'),('75','Tỉnh Đồng Nai'),('77','Tỉnh Bà Rịa - Vũng Tàu'),('79','Thành phố Hồ Chí Minh'),('80','Tỉnh Long An'),('82','Tỉnh Tiền Giang'),('83','Tỉnh Bến Tre'),('84','Tỉnh Trà Vinh'),('86','Tỉnh Vĩnh Long'),('87','Tỉnh Đồng Tháp'),('89','Tỉnh An Giang'),('91','Tỉnh Kiên Giang'),('92','Thành phố Cần Thơ'),('93','Tỉnh Hậu Giang'),('94','Tỉnh Sóc Trăng'),('95','Tỉnh Bạc Liêu'),('96','Tỉnh Cà Mau')]
assert len(old) == 63
new = [('01','Thành phố Hà Nội',['01']),('04','Tỉnh Cao Bằng',['04']),('08','Tỉnh Tuyên Quang',['08','02']),('11','Tỉnh Điện Biên',['11']),('12','Tỉnh Lai Châu',['12']),('14','Tỉnh Sơn La',['14']),('15','Tỉnh Lào Cai',['15','10']),('19','Tỉnh Thái Nguyên',['19','06']),('20','Tỉnh Lạng Sơn',['20']),('22','Tỉnh Quảng Ninh',['22']),('24','Tỉnh Bắc Ninh',['24','27']),('25','Tỉnh Phú Thọ',['25','26','17']),('31','Thành phố Hải Phòng',['31','30']),('33','Tỉnh Hưng Yên',['33','34']),('37','Tỉnh Ninh Bình',['37','35','36']),('38','Tỉnh Thanh Hóa',['38']),('40','Tỉnh Nghệ An',['40']),('42','Tỉnh Hà Tĩnh',['42']),('44','Tỉnh Quảng Trị',['44','45']),('46','Thành phố Huế',['46']),('48','Thành phố Đà Nẵng',['48','49']),('51','Tỉnh Quảng Ngãi',['51','62']),('52','Tỉnh Gia Lai',['52','64']),('56','Tỉnh Khánh Hòa',['56','58']),('66','Tỉnh Đắk Lắk',['66','54']),('68','Tỉnh Lâm Đồng',['68','67','60']),('75','Tỉnh Đồng Nai',['75','70']),('79','Thành phố Hồ Chí Minh',['79','74','77']),('80','Tỉnh Tây Ninh',['80','72']),('82','Tỉnh Đồng Tháp',['82','87']),('86','Tỉnh Vĩnh Long',['86','83','84']),('91','Tỉnh An Giang',['91','89']),('92','Thành phố Cần Thơ',['92','93','94']),('96','Tỉnh Cà Mau',['96','95'])]
assert len(new) == 34
m = {o: n for n, _, olds in new for o in olds}
assert set(m) == {c for c, _ in old}, set(c for c, _ in old) - set(m)
write('tinh_truoc_2025', 'Đơn vị hành chính cấp tỉnh trước 01/7/2025 (63 tỉnh, thành phố)',
      [('MaTinh', 'Mã tỉnh'), ('TenTinh', 'Tên tỉnh, thành phố'), ('MaTinhMoi', 'Mã tỉnh từ 01/7/2025')],
      [(c, n, m[c], '2004-01-01', '2025-06-30') for c, n in old],
      'Danh mục đơn vị hành chính Việt Nam (Tổng cục Thống kê, QĐ 124/2004/QĐ-TTg) [R]')
write('tinh', 'Đơn vị hành chính cấp tỉnh từ 01/7/2025 (34 tỉnh, thành phố)',
      [('MaTinh', 'Mã tỉnh'), ('TenTinh', 'Tên tỉnh, thành phố'), ('HopNhatTu', 'Hợp nhất từ (mã trước 01/7/2025)')],
      [(c, n, ';'.join(o), '2025-07-01', '') for c, n, o in new],
      'Nghị quyết 202/2025/QH15 (34 tỉnh, thành phố); mã số theo văn bản 915/CTK-CSCL của Cục Thống kê (34 mã) [V]; cột HopNhatTu [R], riêng Vĩnh Long (86 ← 86, 83, 84) [V]')
names = dict(old); newn = {c: n for c, n, _ in new}
write('tinh_sapxep_2025', 'Bảng chuyển đổi đơn vị hành chính cấp tỉnh cũ - mới (01/7/2025)',
      [('MaTinhCu', 'Mã tỉnh cũ'), ('TenTinhCu', 'Tên tỉnh cũ'), ('MaTinhMoi', 'Mã tỉnh mới'), ('TenTinhMoi', 'Tên tỉnh mới')],
      [(c, names[c], m[c], newn[m[c]], '2025-07-01', '') for c, _ in old],
      'Nghị quyết 202/2025/QH15 (sắp xếp 63 thành 34 tỉnh) [V cho Vĩnh Long, R cho các tỉnh khác]')

# communes of Bến Tre (83), Trà Vinh (84) and Vĩnh Long (86) before 1/7/2025, the 124 communes
# of the new Vĩnh Long and the old -> new mapping (NQ 1687/NQ-UBTVQH15): dvhc_vinhlong.py
import sys
sys.path.insert(0, OUT)
import dvhc_vinhlong
truoc, xa, sx, unmapped = dvhc_vinhlong.build()
assert len(xa) == 124 and sum(1 for r in xa if r[2] == '86') == 124
write('xa_truoc_2025', 'Đơn vị hành chính cấp xã trước 01/7/2025 (Bến Tre, Trà Vinh, Vĩnh Long)',
      [('MaXa', 'Mã xã'), ('TenXa', 'Tên xã, phường, thị trấn'), ('MaHuyen', 'Mã huyện'), ('MaTinh', 'Mã tỉnh')],
      [(c, n, h, p, '2004-01-01', vt) for c, n, h, p, vt in truoc],
      'Danh mục đơn vị hành chính Việt Nam của Tổng cục Thống kê (bản công bố trong bộ dữ liệu công khai dvhcvn), các tỉnh 83, 84, 86 [V]; ngày hiệu lực 2004-01-01 là quy ước [C]')
write('xa', 'Đơn vị hành chính cấp xã từ 01/7/2025 (tỉnh Vĩnh Long: 124 xã, phường)',
      [('MaXa', 'Mã xã'), ('TenXa', 'Tên xã, phường, đặc khu'), ('MaTinh', 'Mã tỉnh')],
      [(c, n, p, '2025-07-01', '') for c, n, p in xa],
      'Nghị quyết 1687/NQ-UBTVQH15 ngày 16/6/2025 (tên, 105 xã và 19 phường) [V]; mã 5 chữ số theo danh sách xã, phường của tỉnh (mỗi đơn vị mới giữ mã của một đơn vị cũ) [V]')
write('xa_sapxep_2025', 'Bảng chuyển đổi đơn vị hành chính cấp xã cũ - mới (Bến Tre, Trà Vinh, Vĩnh Long → Vĩnh Long)',
      [('MaChuyenDoi', 'Mã dòng (mã xã cũ-mã xã mới)'), ('TenXaCu', 'Tên xã cũ'), ('MaXaCu', 'Mã xã cũ'),
       ('MaHuyenCu', 'Mã huyện cũ'), ('MaTinhCu', 'Mã tỉnh cũ'), ('MaXaMoi', 'Mã xã mới'), ('TenXaMoi', 'Tên xã mới'),
       ('MaTinhMoi', 'Mã tỉnh mới'), ('PhamVi', 'Phạm vi (toàn bộ / một phần)'), ('CanCu', 'Căn cứ')],
      [(k, n, c, h, p, nc, nn, np, pv, cc, '2025-07-01', '') for k, c, n, h, p, nc, nn, np, pv, cc in sx],
      'Nghị quyết 1687/NQ-UBTVQH15 ngày 16/6/2025, Điều 1 (văn bản [V]; ghép tên với mã Tổng cục Thống kê [C]); một dòng cho mỗi cặp xã cũ - xã mới, xã bị chia ghi "một phần"')
print(len(unmapped), 'old communes not named in NQ 1687 and not carrying a new code:',
      ', '.join(u['code'] + ' ' + u['name'] for u in unmapped))

json.dump(index, open(os.path.join(OUT, 'index.json'), 'w'), ensure_ascii=False, indent=1)
print(len(index), 'catalogues')
