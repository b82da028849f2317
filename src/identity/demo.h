/*
 * demo.h - the demo accounts created by `egov init --demo` and printed by
 * `egov demo-accounts` (so `make run` shows how to sign in). Demo province: Vĩnh Long
 * (after the 1/7/2025 merger); agencies 000.00.04.H61 Sở Tư pháp, 000.00.05.H61 Sở Xây
 * dựng, 000.00.11.H61 Trung tâm Phục vụ hành chính công tỉnh. Demo data only.
 */
#ifndef EG_IDENTITY_DEMO_H
#define EG_IDENTITY_DEMO_H

#define EG_DEMO_PASSWORD "VinhLong@2026"
/* Base32 TOTP secret of the demo admin (admin roles need TOTP). */
#define EG_DEMO_ADMIN_TOTP "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

struct eg__demo_account {
    const char *username, *name, *kind, *agency, *roles, *position;
    const char *citizen_id, *tax_code, *password, *totp_secret;
};

static const struct eg__demo_account eg__demo_accounts[] = {
    {"admin", "Quản trị hệ thống", "staff", "000.00.00.H61", "admin", "Quản trị viên", NULL, NULL,
     EG_DEMO_PASSWORD, EG_DEMO_ADMIN_TOTP},
    {"kiemtra", "Trần Thị Kiểm", "staff", "000.00.00.H61", "auditor", "Kiểm tra viên", NULL, NULL,
     EG_DEMO_PASSWORD, NULL},
    {"hcc.tiepnhan", "Lê Thị Hồng", "staff", "000.00.11.H61", "receiver", "Cán bộ tiếp nhận", NULL,
     NULL, EG_DEMO_PASSWORD, NULL},
    {"tp.quantri", "Phan Văn Quản", "staff", "000.00.04.H61", "agency_admin", "Quản trị cơ quan",
     NULL, NULL, EG_DEMO_PASSWORD, NULL},
    {"tp.tiepnhan", "Phạm Thị Lan", "staff", "000.00.04.H61", "receiver", "Cán bộ tiếp nhận", NULL,
     NULL, EG_DEMO_PASSWORD, NULL},
    {"tp.chuyenvien", "Nguyễn Văn Bình", "staff", "000.00.04.H61", "officer", "Chuyên viên", NULL,
     NULL, EG_DEMO_PASSWORD, NULL},
    {"tp.truongphong", "Võ Minh Châu", "staff", "000.00.04.H61", "unit_leader", "Trưởng phòng",
     NULL, NULL, EG_DEMO_PASSWORD, NULL},
    {"tp.giamdoc", "Đặng Quốc Dũng", "staff", "000.00.04.H61", "leader", "Giám đốc Sở", NULL, NULL,
     EG_DEMO_PASSWORD, NULL},
    {"tp.vanthu", "Huỳnh Thị Em", "staff", "000.00.04.H61", "clerk", "Văn thư", NULL, NULL,
     EG_DEMO_PASSWORD, NULL},
    {"xd.tiepnhan", "Trương Thị Giang", "staff", "000.00.05.H61", "receiver", "Cán bộ tiếp nhận",
     NULL, NULL, EG_DEMO_PASSWORD, NULL},
    {"xd.chuyenvien", "Lý Văn Hải", "staff", "000.00.05.H61", "officer", "Chuyên viên", NULL, NULL,
     EG_DEMO_PASSWORD, NULL},
    {"xd.truongphong", "Bùi Thanh Khoa", "staff", "000.00.05.H61", "unit_leader", "Trưởng phòng",
     NULL, NULL, EG_DEMO_PASSWORD, NULL},
    {"xd.giamdoc", "Hồ Văn Long", "staff", "000.00.05.H61", "leader", "Giám đốc Sở", NULL, NULL,
     EG_DEMO_PASSWORD, NULL},
    {"xd.vanthu", "Mai Thị Ngọc", "staff", "000.00.05.H61", "clerk", "Văn thư", NULL, NULL,
     EG_DEMO_PASSWORD, NULL},
    {"congdan1", "Nguyễn Văn An", "citizen", NULL, "citizen", NULL, "086090001234", NULL,
     EG_DEMO_PASSWORD, NULL},
    {"congdan2", "Trần Thị Bích", "citizen", NULL, "citizen", NULL, "086195004321", NULL,
     EG_DEMO_PASSWORD, NULL},
    {"doanhnghiep1", "Công ty TNHH Mekong Xanh", "business", NULL, "business", NULL, NULL,
     "0100109106", EG_DEMO_PASSWORD, NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

#endif
