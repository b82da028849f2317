/*
 * accounts.c - accounts, role assignments and OAuth clients in SQL.
 *
 * Accounts are one table for the four kinds; kind-specific fields are validated here (a
 * citizen's 12-digit personal ID, a business's MST with checksum, a staff member's agency
 * code). Role assignments store agency_code '' for "not agency-bound" so the uniqueness
 * constraint holds on both backends.
 */
#include <string.h>
#include <sodium.h>
#include "audit/audit.h"
#include "identity/internal.h"

int eg__list_has(const char *list, const char *word)
{
    if (!list || !word || !*word)
        return 0;
    size_t n = strlen(word);
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ' ' && *e != ',')
            e++;
        if ((size_t)(e - p) == n && memcmp(p, word, n) == 0)
            return 1;
        p = e;
    }
    return 0;
}

static const char *acol(eg_arena *a, eg_stmt *st, int i)
{
    return eg_arena_strdup(a, eg_col_text(st, i));
}

static int load_roles(eg_conn *c, eg_arena *a, id_account *acc)
{
    eg_stmt *st;
    int rc = eg_query(c, &st,
                      "SELECT role, agency_code, include_subunits FROM identity_role_assignments "
                      "WHERE account_id = ? ORDER BY id",
                      "t", acc->id);
    if (rc)
        return rc;
    int cap = 8;
    acc->roles = eg_arena_alloc(a, sizeof(eg_role_grant) * (size_t)cap);
    acc->nroles = 0;
    while ((rc = eg_step(st)) == EG_ROW) {
        if (acc->nroles == cap) {
            eg_role_grant *n = eg_arena_alloc(a, sizeof(eg_role_grant) * (size_t)cap * 2);
            memcpy(n, acc->roles, sizeof(eg_role_grant) * (size_t)cap);
            acc->roles = n;
            cap *= 2;
        }
        eg_role_grant *g = &acc->roles[acc->nroles++];
        g->role = acol(a, st, 0);
        const char *ag = eg_col_text(st, 1);
        g->agency_code = ag && *ag ? eg_arena_strdup(a, ag) : NULL;
        g->include_subunits = (int)eg_col_int64(st, 2);
    }
    eg_stmt_done(st);
    return rc < 0 ? rc : EG_OK;
}

int eg__account_get(eg_conn *c, eg_arena *a, const char *by, const char *value, id_account *out)
{
    memset(out, 0, sizeof(*out));
    if (!value)
        return EG_ENOTFOUND;
    const char *sql =
        strcmp(by, "id") == 0
            ? "SELECT id, username, name, kind, agency_code, position, citizen_id, tax_code, "
              "email, password_hash, totp_secret, status, totp_last_step FROM identity_accounts "
              "WHERE id = ?"
        : strcmp(by, "citizen_id") == 0
            ? "SELECT id, username, name, kind, agency_code, position, citizen_id, tax_code, "
              "email, password_hash, totp_secret, status, totp_last_step FROM identity_accounts "
              "WHERE citizen_id = ?"
            : "SELECT id, username, name, kind, agency_code, position, citizen_id, tax_code, "
              "email, password_hash, totp_secret, status, totp_last_step FROM identity_accounts "
              "WHERE username = ?";
    eg_stmt *st;
    int rc = eg_query(c, &st, sql, "t", value);
    if (rc)
        return rc;
    rc = eg_step(st);
    if (rc == EG_ROW) {
        snprintf(out->id, sizeof(out->id), "%s", eg_col_text(st, 0));
        out->username = acol(a, st, 1);
        out->name = acol(a, st, 2);
        out->kind = acol(a, st, 3);
        out->agency_code = acol(a, st, 4);
        out->position = acol(a, st, 5);
        out->citizen_id = acol(a, st, 6);
        out->tax_code = acol(a, st, 7);
        out->email = acol(a, st, 8);
        out->password_hash = acol(a, st, 9);
        out->totp_secret = acol(a, st, 10);
        out->status = acol(a, st, 11);
        out->totp_last_step = eg_col_int64(st, 12);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_ENOTFOUND;
    }
    eg_stmt_done(st);
    if (!rc)
        rc = load_roles(c, a, out);
    return rc;
}

int eg__role_exists(eg_conn *c, const char *role, int *agency_bound)
{
    int64_t b = 0;
    int rc =
        eg_query_int64(c, &b, "SELECT agency_bound FROM identity_roles WHERE name = ?", "t", role);
    if (agency_bound)
        *agency_bound = (int)b;
    return rc;
}

int eg__role_is_admin(const char *role)
{
    return role && (strcmp(role, "admin") == 0 || strcmp(role, "agency_admin") == 0);
}

int eg__role_grant(eg_conn *c, const char *account_id, const char *role, const char *agency,
                   int include_subunits)
{
    char ts[25];
    eg_time_iso_ms(eg_now_ms(), ts);
    return eg_exec(c, NULL,
                   "INSERT INTO identity_role_assignments (account_id, role, agency_code, "
                   "include_subunits, created_at) VALUES (?,?,?,?,?)",
                   "tttit", account_id, role, agency ? agency : "", include_subunits, ts);
}

int eg__account_create(eg_app *app, const id_new_account *na, const char *actor, char id_out[27],
                       char *err, size_t errlen)
{
    const char *kind = na->kind ? na->kind : "staff";
    err[0] = 0;
    if (!na->username || !*na->username || strlen(na->username) > 64) {
        snprintf(err, errlen, "username is required (at most 64 characters)");
        return EG_EUNPROCESSABLE;
    }
    for (const char *p = na->username; *p; p++) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
              ch == '-' || ch == '@')) {
            snprintf(err, errlen, "username may contain only a-z 0-9 . _ - @");
            return EG_EUNPROCESSABLE;
        }
    }
    if (!na->name || !*na->name || strlen(na->name) > 200 ||
        !eg_utf8_valid(na->name, strlen(na->name))) {
        snprintf(err, errlen, "name is required (valid UTF-8, at most 200 bytes)");
        return EG_EUNPROCESSABLE;
    }
    int staff = strcmp(kind, "staff") == 0, citizen = strcmp(kind, "citizen") == 0,
        business = strcmp(kind, "business") == 0;
    if (!staff && !citizen && !business) {
        snprintf(err, errlen, "kind must be staff, citizen or business");
        return EG_EUNPROCESSABLE;
    }
    if (na->agency_code && !eg_valid_agency_code(na->agency_code)) {
        snprintf(err, errlen, "agency: '%s' is not an agency code (CCC.BB.AA.LNN)",
                 na->agency_code);
        return EG_EUNPROCESSABLE;
    }
    if (staff && (!na->agency_code || na->nroles == 0)) {
        snprintf(err, errlen, "a staff account needs --agency and at least one --role");
        return EG_EUNPROCESSABLE;
    }
    if (citizen && (!na->citizen_id || !eg_valid_personal_id(na->citizen_id))) {
        snprintf(err, errlen, "a citizen needs a valid 12-digit personal ID (--citizen-id)");
        return EG_EUNPROCESSABLE;
    }
    if (business && (!na->tax_code || !eg_valid_tax_code(na->tax_code))) {
        snprintf(err, errlen, "a business needs a valid tax code (MST) (--tax-code)");
        return EG_EUNPROCESSABLE;
    }
    if (na->email && *na->email && !eg_valid_email(na->email)) {
        snprintf(err, errlen, "email is not valid");
        return EG_EUNPROCESSABLE;
    }
    char hash[crypto_pwhash_STRBYTES] = "";
    if (na->password) {
        const char *why = eg__pw_policy(app->share_dir, na->username, na->password);
        if (why) {
            snprintf(err, errlen, "password: %s", why);
            return EG_EUNPROCESSABLE;
        }
        if (eg__pw_hash(na->password, hash)) {
            snprintf(err, errlen, "cannot hash the password");
            return EG_ENOMEM;
        }
    }
    eg_conn *c = eg_db_conn(app->db);
    /* Roles: staff roles default to the home agency; citizen/business get their own role. */
    const char *roles_default[1] = {kind};
    const char **roles = na->nroles ? na->roles : roles_default;
    int nroles = na->nroles ? na->nroles : 1;
    for (int i = 0; i < nroles; i++) {
        if (eg__role_exists(c, roles[i], NULL)) {
            snprintf(err, errlen, "role '%s' does not exist", roles[i]);
            return EG_EUNPROCESSABLE;
        }
    }
    eg_buf nfc = EG_BUF_INIT, fold = EG_BUF_INIT;
    eg_nfc(na->name, strlen(na->name), &nfc);
    eg_fold(na->name, strlen(na->name), &fold);
    char id[27], ts[25];
    eg_new_id(id);
    eg_time_iso_ms(eg_now_ms(), ts);
    int rc = eg_tx_begin(c);
    if (!rc)
        rc = eg_exec(c, NULL,
                     "INSERT INTO identity_accounts (id, username, name, name_fold, kind, "
                     "agency_code, position, citizen_id, tax_code, email, password_hash, "
                     "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     "ttttttttttttt", id, na->username, eg_buf_cstr(&nfc), eg_buf_cstr(&fold), kind,
                     na->agency_code, na->position, citizen ? na->citizen_id : NULL,
                     business ? na->tax_code : NULL, na->email && *na->email ? na->email : NULL,
                     hash[0] ? hash : NULL, ts, ts);
    if (rc == EG_ECONFLICT)
        snprintf(err, errlen, "an account with this username, personal ID or tax code exists");
    for (int i = 0; !rc && i < nroles; i++) {
        int bound = 0;
        eg__role_exists(c, roles[i], &bound);
        rc = eg__role_grant(c, id, roles[i], bound ? na->agency_code : NULL,
                            bound ? na->include_subunits : 0);
        if (rc == EG_ECONFLICT)
            rc = EG_OK; /* the same role twice */
    }
    if (!rc) {
        json_t *d = json_pack("{s:s, s:s}", "username", na->username, "kind", kind);
        json_t *rl = json_array();
        for (int i = 0; i < nroles; i++)
            json_array_append_new(rl, json_string(roles[i]));
        json_object_set_new(d, "roles", rl);
        eg_audit_event ev = {.actor = actor,
                             .action = "identity.user.create",
                             .object_type = "user",
                             .object_id = id,
                             .agency = na->agency_code,
                             .detail = d};
        rc = eg_audit_append(c, &ev);
        json_decref(d);
    }
    if (rc) {
        eg_tx_rollback(c);
        if (!err[0])
            snprintf(err, errlen, "%s", eg_strerror(rc));
    } else {
        rc = eg_tx_commit(c);
    }
    eg_buf_free(&nfc);
    eg_buf_free(&fold);
    if (!rc)
        memcpy(id_out, id, 27);
    return rc;
}

eg_principal *eg__principal_from_account(eg_arena *a, const id_account *acc)
{
    eg_principal *p = eg_arena_zalloc(a, sizeof(*p));
    p->subject = eg_arena_strdup(a, acc->id);
    p->username = acc->username;
    p->name = acc->name;
    p->kind = acc->kind;
    p->agency_code = acc->agency_code;
    p->citizen_id = acc->citizen_id;
    p->tax_code = acc->tax_code;
    p->roles = acc->roles;
    p->nroles = acc->nroles;
    p->scope = "openid profile";
    return p;
}

int eg__client_get(eg_conn *c, eg_arena *a, const char *client_id, id_client *out)
{
    memset(out, 0, sizeof(*out));
    if (!client_id)
        return EG_ENOTFOUND;
    eg_stmt *st;
    int rc = eg_query(c, &st,
                      "SELECT client_id, type, secret_hash, name, redirect_uris, post_logout_uris, "
                      "grants, scopes, agency_code, status FROM identity_clients WHERE "
                      "client_id = ?",
                      "t", client_id);
    if (rc)
        return rc;
    rc = eg_step(st);
    if (rc == EG_ROW) {
        out->client_id = acol(a, st, 0);
        out->type = acol(a, st, 1);
        out->secret_hash = acol(a, st, 2);
        out->name = acol(a, st, 3);
        out->redirect_uris = acol(a, st, 4);
        out->post_logout_uris = acol(a, st, 5);
        out->grants = acol(a, st, 6);
        out->scopes = acol(a, st, 7);
        out->agency_code = acol(a, st, 8);
        out->status = acol(a, st, 9);
        rc = strcmp(out->status, "active") == 0 ? EG_OK : EG_ENOTFOUND;
    } else if (rc == EG_DONE) {
        rc = EG_ENOTFOUND;
    }
    eg_stmt_done(st);
    return rc;
}
