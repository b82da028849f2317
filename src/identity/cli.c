/*
 * cli.c - identity subcommands (api.md §1): user add|list|disable|reset-password,
 * client add|list|remove, token, keys rotate, demo-accounts. Each change is audited with
 * the actor "cli:<os user>".
 */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "identity/internal.h"
#include "identity/demo.h"

static int open_app(eg_app *app, int argc, char **argv, const char *cmd)
{
    const char *dir = eg_arg(argc, argv, "--data-dir");
    if (!dir)
        return eg_cli_fail("%s: --data-dir is required", cmd);
    char keys[4096];
    snprintf(keys, sizeof(keys), "%s/keys", dir);
    if (!eg_path_exists(keys))
        return eg_cli_fail("%s: %s is not initialised (run: egov init --data-dir %s)", cmd, dir,
                           dir);
    char err[512] = "";
    int rc = eg_app_open(app, dir, eg_arg(argc, argv, "--config"), 1, err, sizeof(err));
    if (rc) {
        eg_app_close(app);
        return eg_cli_fail("%s: %s", cmd, err[0] ? err : eg_strerror(rc));
    }
    return 0;
}

static int read_password(char *pw, size_t n, const char *cmd)
{
    if (eg_read_stdin_line(pw, n) || !pw[0])
        return eg_cli_fail("%s: expected the password on standard input", cmd);
    return 0;
}

static int user_add(int argc, char **argv)
{
    static const char *const opts[] = {"--data-dir", "--username", "--name",       "--kind",
                                       "--agency",   "--role",     "--citizen-id", "--tax-code",
                                       "--position", "--email",    "--config",     NULL};
    static const char *const flags[] = {"--password-stdin", "--include-subunits", NULL};
    if (eg_arg_check(argc, argv, "user add", opts, flags))
        return 2;
    if (!eg_arg_flag(argc, argv, "--password-stdin"))
        return eg_cli_fail("user add: --password-stdin is required (the password is read from "
                           "standard input)");
    const char *roles[16];
    id_new_account na = {.username = eg_arg(argc, argv, "--username"),
                         .name = eg_arg(argc, argv, "--name"),
                         .kind = eg_arg(argc, argv, "--kind"),
                         .agency_code = eg_arg(argc, argv, "--agency"),
                         .citizen_id = eg_arg(argc, argv, "--citizen-id"),
                         .tax_code = eg_arg(argc, argv, "--tax-code"),
                         .position = eg_arg(argc, argv, "--position"),
                         .email = eg_arg(argc, argv, "--email"),
                         .include_subunits = eg_arg_flag(argc, argv, "--include-subunits"),
                         .roles = roles};
    na.nroles = eg_arg_list(argc, argv, "--role", roles, 16);
    char pw[512];
    if (read_password(pw, sizeof(pw), "user add"))
        return 1;
    na.password = pw;
    eg_app app;
    if (open_app(&app, argc, argv, "user add"))
        return 1;
    char id[27], err[256], actor[160];
    snprintf(actor, sizeof(actor), "cli:%s", getenv("USER") ? getenv("USER") : "unknown");
    int rc = eg__account_create(&app, &na, actor, id, err, sizeof(err));
    sodium_memzero(pw, sizeof(pw));
    eg_app_close(&app);
    if (rc)
        return eg_cli_fail("user add: %s", err);
    printf("%s\n", id);
    return 0;
}

static int user_list(int argc, char **argv)
{
    static const char *const opts[] = {"--data-dir", "--agency", "--kind", "--config", NULL};
    if (eg_arg_check(argc, argv, "user list", opts, NULL))
        return 2;
    eg_app app;
    if (open_app(&app, argc, argv, "user list"))
        return 1;
    const char *agency = eg_arg(argc, argv, "--agency"), *kind = eg_arg(argc, argv, "--kind");
    eg_stmt *st;
    int rc = eg_query(eg_db_conn(app.db), &st,
                      "SELECT a.id, a.username, a.kind, COALESCE(a.agency_code, '-'), a.status, "
                      "a.name, (SELECT COUNT(*) FROM identity_role_assignments r WHERE "
                      "r.account_id = a.id) FROM identity_accounts a WHERE (CAST(? AS TEXT) IS "
                      "NULL OR a.agency_code = ?) AND (CAST(? AS TEXT) IS NULL OR a.kind = ?) "
                      "ORDER BY a.username",
                      "tttt", agency, agency, kind, kind);
    if (!rc) {
        printf("%-26s %-20s %-8s %-15s %-8s %s\n", "ID", "USERNAME", "KIND", "AGENCY", "STATUS",
               "NAME / ROLES");
        while ((rc = eg_step(st)) == EG_ROW)
            printf("%-26s %-20s %-8s %-15s %-8s %s (%lld roles)\n", eg_col_text(st, 0),
                   eg_col_text(st, 1), eg_col_text(st, 2), eg_col_text(st, 3), eg_col_text(st, 4),
                   eg_col_text(st, 5), (long long)eg_col_int64(st, 6));
        eg_stmt_done(st);
        rc = rc < 0 ? rc : 0;
    }
    eg_app_close(&app);
    return rc ? eg_cli_fail("user list: %s", eg_strerror(rc)) : 0;
}

static int user_update(int argc, char **argv, int reset)
{
    const char *cmd = reset ? "user reset-password" : "user disable";
    static const char *const opts[] = {"--data-dir", "--username", "--config", NULL};
    static const char *const flags_r[] = {"--password-stdin", NULL};
    static const char *const flags_d[] = {"--enable", NULL};
    if (eg_arg_check(argc, argv, cmd, opts, reset ? flags_r : flags_d))
        return 2;
    const char *u = eg_arg(argc, argv, "--username");
    if (!u)
        return eg_cli_fail("%s: --username is required", cmd);
    char pw[512] = "", hash[crypto_pwhash_STRBYTES] = "";
    if (reset) {
        if (!eg_arg_flag(argc, argv, "--password-stdin"))
            return eg_cli_fail("%s: --password-stdin is required", cmd);
        if (read_password(pw, sizeof(pw), cmd))
            return 1;
    }
    eg_app app;
    if (open_app(&app, argc, argv, cmd))
        return 1;
    eg_arena *a = eg_arena_new(0);
    id_account acc;
    eg_conn *c = eg_db_conn(app.db);
    int rc = eg__account_get(c, a, "username", u, &acc);
    char err[200] = "";
    if (rc == EG_ENOTFOUND)
        snprintf(err, sizeof(err), "no account '%s'", u);
    if (!rc && reset) {
        const char *why = eg__pw_policy(app.share_dir, u, pw);
        if (why) {
            snprintf(err, sizeof(err), "password: %s", why);
            rc = EG_EUNPROCESSABLE;
        } else {
            rc = eg__pw_hash(pw, hash);
        }
    }
    char ts[25];
    eg_time_iso_ms(eg_now_ms(), ts);
    int enable = !reset && eg_arg_flag(argc, argv, "--enable");
    if (!rc)
        rc = eg_tx_begin(c);
    if (!rc)
        rc = reset ? eg_exec(c, NULL,
                             "UPDATE identity_accounts SET password_hash = ?, updated_at = ? "
                             "WHERE id = ?",
                             "ttt", hash, ts, acc.id)
                   : eg_exec(c, NULL,
                             "UPDATE identity_accounts SET status = ?, updated_at = ? WHERE id = ?",
                             "ttt", enable ? "active" : "disabled", ts, acc.id);
    if (!rc && !reset && !enable)
        rc = eg_exec(c, NULL, "DELETE FROM identity_sessions WHERE account_id = ?", "t", acc.id);
    if (!rc) {
        json_t *d = json_pack("{s:s}", "username", u);
        rc = eg_app_audit(&app,
                          reset    ? "identity.user.reset_password"
                          : enable ? "identity.user.enable"
                                   : "identity.user.disable",
                          "user", acc.id, acc.agency_code, d);
        json_decref(d);
    }
    if (!rc)
        rc = eg_tx_commit(c);
    else if (eg_tx_depth(c))
        eg_tx_rollback(c);
    sodium_memzero(pw, sizeof(pw));
    eg_arena_free(a);
    eg_app_close(&app);
    if (rc)
        return eg_cli_fail("%s: %s", cmd, err[0] ? err : eg_strerror(rc));
    printf("%s\n", reset ? "password changed" : enable ? "enabled" : "disabled");
    return 0;
}

static int cmd_user(int argc, char **argv)
{
    if (argc < 1)
        return eg_cli_fail("user: expected add, list, disable or reset-password");
    if (strcmp(argv[0], "add") == 0)
        return user_add(argc - 1, argv + 1);
    if (strcmp(argv[0], "list") == 0)
        return user_list(argc - 1, argv + 1);
    if (strcmp(argv[0], "disable") == 0)
        return user_update(argc - 1, argv + 1, 0);
    if (strcmp(argv[0], "reset-password") == 0)
        return user_update(argc - 1, argv + 1, 1);
    return eg_cli_fail("user: unknown subcommand '%s'", argv[0]);
}

static void join(char *out, size_t n, const char **v, int k)
{
    out[0] = 0;
    for (int i = 0; i < k; i++) {
        size_t l = strlen(out);
        snprintf(out + l, n - l, "%s%s", i ? " " : "", v[i]);
    }
}

/* Confidential clients' secrets are 256-bit random strings, so SHA-256 is the right hash
 * (a slow password hash would only cap token throughput). */
static int client_add(int argc, char **argv)
{
    static const char *const opts[] = {"--data-dir",     "--client-id", "--type",
                                       "--redirect-uri", "--grant",     "--scope",
                                       "--name",         "--agency",    "--post-logout-uri",
                                       "--config",       NULL};
    if (eg_arg_check(argc, argv, "client add", opts, NULL))
        return 2;
    const char *id = eg_arg(argc, argv, "--client-id"), *type = eg_arg(argc, argv, "--type");
    const char *agency = eg_arg(argc, argv, "--agency");
    if (!id || !*id || strlen(id) > 100)
        return eg_cli_fail("client add: --client-id is required");
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return eg_cli_fail("client add: --client-id may contain only A-Z a-z 0-9 - _ .");
    if (!type || (strcmp(type, "confidential") != 0 && strcmp(type, "public") != 0))
        return eg_cli_fail("client add: --type must be confidential or public");
    if (agency && !eg_valid_agency_code(agency))
        return eg_cli_fail("client add: --agency '%s' is not an agency code", agency);
    /* eg_arg_list reuses one static store: join each list before the next call. */
    const char *uris[16], *grants[8], *scopes[16], *logout[8];
    char ju[2048], jg[256], js[512], jl[1024];
    int conf = strcmp(type, "confidential") == 0;
    int nu = eg_arg_list(argc, argv, "--redirect-uri", uris, 16);
    for (int i = 0; i < nu; i++)
        if (strncmp(uris[i], "https://", 8) != 0 && strncmp(uris[i], "http://", 7) != 0 &&
            !strchr(uris[i], ':'))
            return eg_cli_fail("client add: redirect URI '%s' is not absolute", uris[i]);
    join(ju, sizeof(ju), uris, nu);
    int ng = eg_arg_list(argc, argv, "--grant", grants, 8);
    for (int i = 0; i < ng; i++) {
        if (strcmp(grants[i], "authorization_code") != 0 &&
            strcmp(grants[i], "refresh_token") != 0 && strcmp(grants[i], "client_credentials") != 0)
            return eg_cli_fail("client add: unknown grant '%s'", grants[i]);
        if (!conf && strcmp(grants[i], "client_credentials") == 0)
            return eg_cli_fail("client add: a public client cannot use client_credentials");
    }
    if (ng)
        join(jg, sizeof(jg), grants, ng);
    int ns = eg_arg_list(argc, argv, "--scope", scopes, 16);
    if (ns)
        join(js, sizeof(js), scopes, ns);
    int nl = eg_arg_list(argc, argv, "--post-logout-uri", logout, 8);
    join(jl, sizeof(jl), logout, nl);
    if (!ng)
        snprintf(jg, sizeof(jg), "%s",
                 nu ? "authorization_code refresh_token" : "client_credentials");
    if (!conf && eg__list_has(jg, "client_credentials"))
        return eg_cli_fail("client add: a public client needs --redirect-uri");
    if (!ns)
        snprintf(js, sizeof(js), "openid profile email offline_access api");
    char secret[64] = "", hash[65] = "";
    if (conf) {
        unsigned char r[32];
        eg_random(r, sizeof(r));
        eg_b64url_encode(r, sizeof(r), secret);
        eg_sha256_hex(secret, strlen(secret), hash);
    }
    eg_app app;
    if (open_app(&app, argc, argv, "client add"))
        return 1;
    eg_conn *c = eg_db_conn(app.db);
    char ts[25];
    eg_time_iso_ms(eg_now_ms(), ts);
    const char *name = eg_arg(argc, argv, "--name");
    int rc = eg_tx_begin(c);
    if (!rc)
        rc = eg_exec(c, NULL,
                     "INSERT INTO identity_clients (client_id, type, secret_hash, name, "
                     "redirect_uris, post_logout_uris, grants, scopes, agency_code, created_at) "
                     "VALUES (?,?,?,?,?,?,?,?,?,?)",
                     "tttttttttt", id, type, conf ? hash : NULL, name ? name : id, ju, jl, jg, js,
                     agency, ts);
    if (!rc) {
        json_t *d = json_pack("{s:s, s:s, s:s, s:s}", "type", type, "grants", jg, "scopes", js,
                              "redirect_uris", ju);
        rc = eg_app_audit(&app, "identity.client.create", "oauth_client", id, agency, d);
        json_decref(d);
    }
    if (!rc)
        rc = eg_tx_commit(c);
    else if (eg_tx_depth(c))
        eg_tx_rollback(c);
    eg_app_close(&app);
    if (rc == EG_ECONFLICT)
        return eg_cli_fail("client add: client '%s' already exists", id);
    if (rc)
        return eg_cli_fail("client add: %s", eg_strerror(rc));
    printf("client_id: %s\n", id);
    if (conf)
        printf("client_secret: %s\n", secret);
    return 0;
}

static int client_list(int argc, char **argv)
{
    static const char *const opts[] = {"--data-dir", "--config", NULL};
    if (eg_arg_check(argc, argv, "client list", opts, NULL))
        return 2;
    eg_app app;
    if (open_app(&app, argc, argv, "client list"))
        return 1;
    eg_stmt *st;
    int rc = eg_query(eg_db_conn(app.db), &st,
                      "SELECT client_id, type, status, grants, scopes, redirect_uris FROM "
                      "identity_clients ORDER BY client_id",
                      "");
    if (!rc) {
        printf("%-24s %-13s %-8s %-40s %s\n", "CLIENT_ID", "TYPE", "STATUS", "GRANTS",
               "REDIRECT_URIS");
        while ((rc = eg_step(st)) == EG_ROW)
            printf("%-24s %-13s %-8s %-40s %s\n", eg_col_text(st, 0), eg_col_text(st, 1),
                   eg_col_text(st, 2), eg_col_text(st, 3), eg_col_text(st, 5));
        eg_stmt_done(st);
        rc = rc < 0 ? rc : 0;
    }
    eg_app_close(&app);
    return rc ? eg_cli_fail("client list: %s", eg_strerror(rc)) : 0;
}

static int client_remove(int argc, char **argv)
{
    static const char *const opts[] = {"--data-dir", "--client-id", "--config", NULL};
    if (eg_arg_check(argc, argv, "client remove", opts, NULL))
        return 2;
    const char *id = eg_arg(argc, argv, "--client-id");
    if (!id)
        return eg_cli_fail("client remove: --client-id is required");
    eg_app app;
    if (open_app(&app, argc, argv, "client remove"))
        return 1;
    eg_conn *c = eg_db_conn(app.db);
    int64_t n = 0;
    int rc = eg_tx_begin(c);
    if (!rc)
        rc = eg_exec(c, &n, "DELETE FROM identity_clients WHERE client_id = ?", "t", id);
    if (!rc && n == 0)
        rc = EG_ENOTFOUND;
    if (!rc)
        rc = eg_exec(c, NULL, "UPDATE identity_refresh SET revoked = 1 WHERE client_id = ?", "t",
                     id);
    if (!rc)
        rc = eg_app_audit(&app, "identity.client.remove", "oauth_client", id, NULL, NULL);
    if (!rc)
        rc = eg_tx_commit(c);
    else if (eg_tx_depth(c))
        eg_tx_rollback(c);
    eg_app_close(&app);
    if (rc == EG_ENOTFOUND)
        return eg_cli_fail("client remove: no client '%s'", id);
    if (rc)
        return eg_cli_fail("client remove: %s", eg_strerror(rc));
    printf("removed %s\n", id);
    return 0;
}

static int cmd_client(int argc, char **argv)
{
    if (argc < 1)
        return eg_cli_fail("client: expected add, list or remove");
    if (strcmp(argv[0], "add") == 0)
        return client_add(argc - 1, argv + 1);
    if (strcmp(argv[0], "list") == 0)
        return client_list(argc - 1, argv + 1);
    if (strcmp(argv[0], "remove") == 0)
        return client_remove(argc - 1, argv + 1);
    return eg_cli_fail("client: unknown subcommand '%s'", argv[0]);
}

static int cmd_token(int argc, char **argv)
{
    static const char *const opts[] = {"--data-dir", "--user",   "--scope",
                                       "--ttl",      "--config", NULL};
    if (eg_arg_check(argc, argv, "token", opts, NULL))
        return 2;
    const char *user = eg_arg(argc, argv, "--user");
    if (!user)
        return eg_cli_fail("token: --user is required");
    const char *scopes[16];
    int ns = eg_arg_list(argc, argv, "--scope", scopes, 16);
    char scope[512];
    if (ns)
        join(scope, sizeof(scope), scopes, ns);
    else
        snprintf(scope, sizeof(scope), "openid profile api");
    const char *ttl_s = eg_arg(argc, argv, "--ttl");
    long ttl = 0;
    if (ttl_s) {
        char *end;
        ttl = strtol(ttl_s, &end, 10);
        if (*end || ttl < 1 || ttl > 30 * 86400)
            return eg_cli_fail("token: --ttl must be 1..2592000 seconds");
    }
    eg_app app;
    if (open_app(&app, argc, argv, "token"))
        return 1;
    eg_arena *a = eg_arena_new(0);
    char *tok = NULL;
    int rc = eg_identity_issue_token(&app, a, user, scope, (int)ttl, &tok);
    if (!rc)
        printf("%s\n", tok);
    eg_arena_free(a);
    eg_app_close(&app);
    if (rc == EG_ENOTFOUND)
        return eg_cli_fail("token: no account '%s'", user);
    if (rc == EG_EFORBIDDEN)
        return eg_cli_fail("token: account '%s' is disabled", user);
    return rc ? eg_cli_fail("token: %s", eg_strerror(rc)) : 0;
}

static int cmd_keys(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "rotate") != 0)
        return eg_cli_fail("keys: expected rotate");
    static const char *const opts[] = {"--data-dir", "--config", NULL};
    if (eg_arg_check(argc - 1, argv + 1, "keys rotate", opts, NULL))
        return 2;
    eg_app app;
    if (open_app(&app, argc - 1, argv + 1, "keys rotate"))
        return 1;
    int rc = eg__keys_rotate(app.data_dir);
    if (!rc)
        rc = eg_app_audit(&app, "identity.keys.rotate", "signing_key", "identity", NULL, NULL);
    id_keyring *kr = NULL;
    if (!rc && eg__keys_load(app.data_dir, &kr) == 0) {
        for (int i = 0; i < kr->n; i++)
            if (!kr->keys[i].retired_ms)
                printf("new key: %s (%s)\n", kr->keys[i].kid,
                       kr->keys[i].alg == ID_ALG_EDDSA ? "EdDSA" : "ES256");
        eg__keys_free(kr);
    }
    eg_app_close(&app);
    return rc ? eg_cli_fail("keys rotate: %s", eg_strerror(rc)) : 0;
}

static int cmd_demo_accounts(int argc, char **argv)
{
    static const char *const opts[] = {"--data-dir", "--config", NULL};
    if (eg_arg_check(argc, argv, "demo-accounts", opts, NULL))
        return 2;
    eg_app app;
    if (open_app(&app, argc, argv, "demo-accounts"))
        return 1;
    printf("Tài khoản demo / demo accounts (mật khẩu / password: %s)\n", EG_DEMO_PASSWORD);
    printf("  %-15s %-9s %-24s %-14s %s\n", "USERNAME", "KIND", "ROLE", "AGENCY", "NAME");
    eg_arena *a = eg_arena_new(0);
    for (const struct eg__demo_account *d = eg__demo_accounts; d->username; d++) {
        id_account acc;
        if (eg__account_get(eg_db_conn(app.db), a, "username", d->username, &acc))
            continue;
        const char *extra = d->citizen_id ? d->citizen_id : d->tax_code;
        printf("  %-15s %-9s %-24s %-14s %s%s%s%s\n", d->username, d->kind, d->roles,
               d->agency ? d->agency : "-", d->name,
               d->citizen_id ? " (CCCD "
               : d->tax_code ? " (MST "
                             : "",
               extra ? extra : "", extra ? ")" : "");
    }
    eg_arena_free(a);
    printf("  admin TOTP secret (RFC 6238, 6 digits, 30 s): %s\n", EG_DEMO_ADMIN_TOTP);
    eg_app_close(&app);
    return 0;
}

const struct eg_command eg__identity_commands[] = {
    {"user", "user add|list|disable|reset-password --data-dir DIR ...",
     "manage accounts (add: --username U --name NAME [--kind staff|citizen|business] "
     "[--agency CODE] [--role ROLE...] [--citizen-id ID] [--tax-code MST] --password-stdin)",
     cmd_user},
    {"client", "client add|list|remove --data-dir DIR ...",
     "manage OAuth/OIDC clients (add: --client-id ID --type confidential|public "
     "[--redirect-uri URI...] [--grant G...] [--scope S...])",
     cmd_client},
    {"token", "token --data-dir DIR --user U [--scope S...] [--ttl SECONDS]",
     "print a signed access token for an account (audited)", cmd_token},
    {"keys", "keys rotate --data-dir DIR",
     "rotate the token signing keys (old public keys stay in the JWKS until tokens expire)",
     cmd_keys},
    {"demo-accounts", "demo-accounts --data-dir DIR", "print the demo accounts and passwords",
     cmd_demo_accounts},
    {NULL, NULL, NULL, NULL},
};
