// SPDX-License-Identifier: GPL-2.0
/*
 * vconnectctl import: attach the targets open-iscsi knows (its node
 * records, as "iscsiadm -m discovery" leaves them) to a vHBA.
 *
 * Layouts read, under the node directory:
 *   TARGET/ADDR,PORT,TPGT/IFACE	a record per iface (open-iscsi >= 2.0-870)
 *   TARGET/ADDR,PORT			one record (older open-iscsi)
 * Each record is "key = value" lines, '#' comments; the values are
 * trimmed as open-iscsi's own parser trims them.
 *
 * Every selected record is read and checked before anything is sent, so a
 * bad record changes nothing.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/netlink.h>

#include "vconnectctl.h"

#define DEFAULT_NODE_DIR	"/etc/iscsi/nodes"
#define ALT_NODE_DIR		"/var/lib/iscsi/nodes"	/* Red Hat's choice */
#define IMPORT_MAX_FILTERS	64

void import_usage(FILE *f)
{
	fprintf(f,
"Usage: vconnectctl import [ node-dir DIR ] [ target IQN ]... vhba NAME\n"
"                          [ initiator IQN | wwpn WWPN ] [ --dry-run ]\n"
"\n"
"Reads open-iscsi's node records (DIR, default /etc/iscsi/nodes, else\n"
"/var/lib/iscsi/nodes) and attaches every target found, or only those\n"
"named with 'target', to vHBA NAME with all of the target's portals.\n"
"Every record is checked before anything changes.\n"
"\n"
"The vHBA: if NAME does not exist and 'initiator' or 'wwpn' is given,\n"
"import creates it, taking its CHAP credentials (and digest preferences)\n"
"from the records: those of the first target, in name order, whose record\n"
"uses CHAP. An existing vHBA keeps the credentials it has; import says\n"
"when a record's differ, or when a record wants CHAP and the vHBA has none\n"
"(they cannot be added to an existing vHBA: re-create it with 'vhba add').\n"
"A vHBA has one set of CHAP credentials; targets whose records use other\n"
"ones are reported, their logins are likely to fail.\n"
"\n"
"Targets already attached are skipped, so import can be run again.\n"
"--dry-run (or -n before the command) prints the requests instead of\n"
"sending them, and does not ask the kernel whether NAME exists.\n");
}

struct node_record {
	char source[PATH_MAX];
	char target[ISCSI_NAME_MAX + 1];
	char address[256];
	unsigned int port;
	bool uses_chap;
	struct chap_config chap;
	bool header_digest;	/* CRC32C proposed first */
	bool data_digest;
	struct portal portal;
};

struct import_target {
	const char *name;
	struct portal portals[64];
	size_t nr_portals;
	const struct node_record *chap_rec;	/* NULL: no CHAP */
	bool header_digest, data_digest;
	const char *result;
};

struct import_job {
	const char *node_dir;
	const char *filters[IMPORT_MAX_FILTERS];
	bool filter_found[IMPORT_MAX_FILTERS];
	size_t nr_filters;
	struct vhba_config vhba;	/* name, and identity if we may create */

	struct node_record *recs;
	size_t nr_recs;
	struct import_target *targets;
	size_t nr_targets;
};

/* Strip leading and trailing white space in place. */
static char *strip(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int copy_value(char *dst, size_t size, const char *value,
		      const char *path, unsigned int line, const char *key)
{
	size_t len = strlen(value);

	if (len >= size) {
		print_error("%s:%u: %s is %zu bytes long, at most %zu are allowed",
			    path, line, key, len, size - 1);
		return -1;
	}
	memcpy(dst, value, len + 1);
	return 0;
}

/* "CRC32C" or "CRC32C,None": CRC32C proposed first. */
static bool digest_preferred(const char *value)
{
	return !strncasecmp(value, "CRC32C", 6) &&
	       (value[6] == '\0' || value[6] == ',');
}

/* Secrets are kept raw until we know whether CHAP is used at all. */
struct raw_auth {
	char method[16];
	char user[CHAP_USER_MAX + 1];
	char password[CHAP_SECRET_MAX + 1];
	char user_in[CHAP_USER_MAX + 1];
	char password_in[CHAP_SECRET_MAX + 1];
};

static int apply_key(struct node_record *rec, struct raw_auth *auth,
		     const char *key, const char *value, unsigned int line)
{
	const char *path = rec->source;
	unsigned long port;
	char *end;

	if (!strcmp(key, "node.name"))
		return copy_value(rec->target, sizeof(rec->target), value, path,
				  line, key);
	if (!strcmp(key, "node.conn[0].address"))
		return copy_value(rec->address, sizeof(rec->address), value,
				  path, line, key);
	if (!strcmp(key, "node.conn[0].port")) {
		errno = 0;
		port = strtoul(value, &end, 10);
		if (errno || *end || !port || port > 65535) {
			print_error("%s:%u: port '%s' is not 1-65535", path,
				    line, value);
			return -1;
		}
		rec->port = port;
		return 0;
	}
	if (!strcmp(key, "node.session.auth.authmethod"))
		return copy_value(auth->method, sizeof(auth->method), value,
				  path, line, key);
	if (!strcmp(key, "node.session.auth.username"))
		return copy_value(auth->user, sizeof(auth->user), value, path,
				  line, key);
	if (!strcmp(key, "node.session.auth.password"))
		return copy_value(auth->password, sizeof(auth->password), value,
				  path, line, key);
	if (!strcmp(key, "node.session.auth.username_in"))
		return copy_value(auth->user_in, sizeof(auth->user_in), value,
				  path, line, key);
	if (!strcmp(key, "node.session.auth.password_in"))
		return copy_value(auth->password_in, sizeof(auth->password_in),
				  value, path, line, key);
	if (!strcmp(key, "node.conn[0].iscsi.HeaderDigest"))
		rec->header_digest = digest_preferred(value);
	else if (!strcmp(key, "node.conn[0].iscsi.DataDigest"))
		rec->data_digest = digest_preferred(value);
	return 0;
}

/* open-iscsi writes "<empty>" where it prints an unset value. */
static bool unset(const char *v)
{
	return !v[0] || !strcmp(v, "<empty>");
}

static int set_creds(struct chap_creds *c, const char *user,
		     const char *password, const char *path, const char *key)
{
	char what[PATH_MAX + 64];

	snprintf(what, sizeof(what), "%s: %s", path, key);
	if (check_printable(user, CHAP_USER_MAX, what))
		return -1;
	strcpy(c->user, user);	/* length checked above */
	if (set_secret(&c->secret, password, strlen(password), what))
		return -1;
	c->set = true;
	return 0;
}

static int apply_auth(struct node_record *rec, const struct raw_auth *auth)
{
	if (unset(auth->method) || !strcasecmp(auth->method, "None"))
		return 0;
	if (strcasecmp(auth->method, "CHAP")) {
		print_error("%s: authmethod '%s' is not supported (only CHAP or None)",
			    rec->source, auth->method);
		return -1;
	}
	if (unset(auth->user) || unset(auth->password)) {
		print_error("%s: authmethod is CHAP but node.session.auth.username or .password is missing",
			    rec->source);
		return -1;
	}
	rec->uses_chap = true;
	if (set_creds(&rec->chap.one_way, auth->user, auth->password,
		      rec->source, "node.session.auth.password"))
		return -1;
	if (unset(auth->user_in) && unset(auth->password_in))
		return 0;
	if (unset(auth->user_in) || unset(auth->password_in)) {
		print_error("%s: mutual CHAP needs both node.session.auth.username_in and .password_in",
			    rec->source);
		return -1;
	}
	if (set_creds(&rec->chap.mutual, auth->user_in, auth->password_in,
		      rec->source, "node.session.auth.password_in"))
		return -1;
	return check_chap_config(&rec->chap);
}

/*
 * Parse one node record file. @dir_target (the directory's name) names
 * the target if the record does not. Returns 0, or -1 after a message.
 */
static int node_record_read(const char *path, const char *dir_target,
		     struct node_record *rec)
{
	struct raw_auth auth = { 0 };
	unsigned int line_no = 0;
	char *line = NULL;
	size_t cap = 0;
	int ret = -1;
	FILE *f;

	memset(rec, 0, sizeof(*rec));
	rec->port = ISCSI_DEFAULT_PORT;
	if (snprintf(rec->source, sizeof(rec->source), "%s", path) >=
	    (int)sizeof(rec->source)) {
		print_error("path too long: %s", path);
		return -1;
	}
	f = fopen(path, "re");
	if (!f) {
		print_error("cannot read node record %s: %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) >= 0) {
		char *s, *key, *value;

		line_no++;
		s = strip(line);
		if (!*s || *s == '#')
			continue;
		key = s;
		while (*s && !isspace((unsigned char)*s) && *s != '=')
			s++;
		value = s;
		while (isspace((unsigned char)*value))
			value++;
		if (*value != '=') {
			print_error("%s:%u: expected 'key = value'", path, line_no);
			goto out;
		}
		*s = '\0';
		value = strip(value + 1);
		if (apply_key(rec, &auth, key, value, line_no))
			goto out;
	}
	if (ferror(f)) {
		print_error("cannot read node record %s: %s", path, strerror(errno));
		goto out;
	}
	if (!rec->target[0] && copy_value(rec->target, sizeof(rec->target),
					  dir_target, path, 0, "target name"))
		goto out;
	if (check_iscsi_name(rec->target, "node.name"))
		goto out;
	if (!rec->address[0]) {
		print_error("%s: no node.conn[0].address", path);
		goto out;
	}
	if (apply_auth(rec, &auth))
		goto out;
	ret = 0;
out:
	if (line)
		explicit_bzero(line, cap);	/* may hold a password */
	free(line);
	explicit_bzero(&auth, sizeof(auth));
	fclose(f);
	if (ret)
		chap_config_wipe(&rec->chap);
	return ret;
}

static int add_record(struct import_job *job, const char *path,
		      const char *dir_target)
{
	struct node_record *recs;

	recs = realloc(job->recs, (job->nr_recs + 1) * sizeof(*recs));
	if (!recs) {
		print_error("out of memory");
		return -1;
	}
	job->recs = recs;
	if (node_record_read(path, dir_target, &recs[job->nr_recs]))
		return -1;
	job->nr_recs++;
	return 0;
}

static bool is_dot(const char *name)
{
	return !strcmp(name, ".") || !strcmp(name, "..");
}

static int join_path(char *buf, const char *dir, const char *name)
{
	if (snprintf(buf, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX) {
		print_error("path too long: %s/%s", dir, name);
		return -1;
	}
	return 0;
}

static void free_dirents(struct dirent **list, int n)
{
	while (n-- > 0)
		free(list[n]);
	free(list);
}

/* One target directory: portal files (old layout) or portal dirs. */
static int scan_target_dir(struct import_job *job, const char *dir,
			   const char *target)
{
	struct dirent **portals = NULL, **ifaces = NULL;
	char portal_path[PATH_MAX], rec_path[PATH_MAX];
	int nr_portals, nr_ifaces = 0, i, j;
	int ret = -1;
	struct stat st;

	nr_portals = scandir(dir, &portals, NULL, alphasort);
	if (nr_portals < 0) {
		print_error("cannot read %s: %s", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < nr_portals; i++) {
		if (is_dot(portals[i]->d_name))
			continue;
		if (join_path(portal_path, dir, portals[i]->d_name))
			goto out;
		if (stat(portal_path, &st)) {
			print_error("cannot stat %s: %s", portal_path, strerror(errno));
			goto out;
		}
		if (S_ISREG(st.st_mode)) {
			if (add_record(job, portal_path, target))
				goto out;
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			continue;
		nr_ifaces = scandir(portal_path, &ifaces, NULL, alphasort);
		if (nr_ifaces < 0) {
			print_error("cannot read %s: %s", portal_path, strerror(errno));
			goto out;
		}
		for (j = 0; j < nr_ifaces; j++) {
			if (is_dot(ifaces[j]->d_name))
				continue;
			if (join_path(rec_path, portal_path, ifaces[j]->d_name))
				goto out;
			if (stat(rec_path, &st) || !S_ISREG(st.st_mode))
				continue;
			if (add_record(job, rec_path, target))
				goto out;
		}
		free_dirents(ifaces, nr_ifaces);
		ifaces = NULL;
		nr_ifaces = 0;
	}
	ret = 0;
out:
	if (ifaces)
		free_dirents(ifaces, nr_ifaces);
	free_dirents(portals, nr_portals);
	return ret;
}

static int filter_index(const struct import_job *job, const char *target)
{
	size_t i;

	for (i = 0; i < job->nr_filters; i++)
		if (!strcasecmp(job->filters[i], target))
			return i;
	return -1;
}

static int collect_records(struct import_job *job)
{
	struct dirent **targets;
	char path[PATH_MAX];
	struct stat st;
	int n, i, idx;
	int ret = -1;
	size_t f;

	n = scandir(job->node_dir, &targets, NULL, alphasort);
	if (n < 0) {
		print_error("cannot read node records in %s: %s", job->node_dir,
			    strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *name = targets[i]->d_name;

		if (is_dot(name))
			continue;
		idx = filter_index(job, name);
		if (job->nr_filters && idx < 0)
			continue;
		if (join_path(path, job->node_dir, name))
			goto out;
		if (stat(path, &st) || !S_ISDIR(st.st_mode))
			continue;
		if (idx >= 0)
			job->filter_found[idx] = true;
		if (scan_target_dir(job, path, name))
			goto out;
	}
	for (f = 0; f < job->nr_filters; f++) {
		if (!job->filter_found[f]) {
			print_error("no node record for target %s in %s",
				    job->filters[f], job->node_dir);
			goto out;
		}
	}
	if (!job->nr_recs) {
		print_error("no node records in %s", job->node_dir);
		goto out;
	}
	ret = 0;
out:
	free_dirents(targets, n);
	return ret;
}

static struct import_target *find_target(struct import_job *job,
					 const char *name)
{
	size_t i;

	for (i = 0; i < job->nr_targets; i++)
		if (!strcasecmp(job->targets[i].name, name))
			return &job->targets[i];
	return NULL;
}

/* Group the records by target: portals de-duplicated, one CHAP source. */
static int group_targets(struct import_job *job)
{
	struct import_target *t;
	size_t i, p;

	job->targets = calloc(job->nr_recs, sizeof(*job->targets));
	if (!job->targets) {
		print_error("out of memory");
		return -1;
	}
	for (i = 0; i < job->nr_recs; i++) {
		struct node_record *rec = &job->recs[i];

		if (portal_from_host(rec->address, rec->port, &rec->portal)) {
			print_note("in node record %s", rec->source);
			return -1;
		}
		t = find_target(job, rec->target);
		if (!t) {
			t = &job->targets[job->nr_targets++];
			t->name = rec->target;
			t->header_digest = rec->header_digest;
			t->data_digest = rec->data_digest;
		}
		for (p = 0; p < t->nr_portals; p++)
			if (portal_equal(&t->portals[p], &rec->portal))
				break;
		if (p == t->nr_portals) {
			if (t->nr_portals >= ARRAY_SIZE(t->portals)) {
				print_error("target %s has more than %zu portals",
					    t->name, ARRAY_SIZE(t->portals));
				return -1;
			}
			t->portals[t->nr_portals++] = rec->portal;
		}
		if (!rec->uses_chap)
			continue;
		if (!t->chap_rec) {
			t->chap_rec = rec;
		} else if (!chap_creds_equal(&t->chap_rec->chap.one_way, &rec->chap.one_way) ||
			   !chap_creds_equal(&t->chap_rec->chap.mutual, &rec->chap.mutual)) {
			print_warning("node records of target %s disagree on CHAP; using those of %s",
				      t->name, t->chap_rec->source);
		}
	}
	return 0;
}

static bool chap_equal(const struct chap_config *a, const struct chap_config *b)
{
	return chap_creds_equal(&a->one_way, &b->one_way) &&
	       chap_creds_equal(&a->mutual, &b->mutual);
}

/*
 * The CHAP credentials a vHBA created by import gets: the first target's
 * (in name order) that uses CHAP. Targets wanting other ones are named.
 */
static const struct node_record *choose_chap(const struct import_job *job)
{
	const struct node_record *chosen = NULL;
	size_t i;

	for (i = 0; i < job->nr_targets; i++) {
		const struct node_record *r = job->targets[i].chap_rec;

		if (!r)
			continue;
		if (!chosen)
			chosen = r;
		else if (!chap_equal(&chosen->chap, &r->chap))
			print_warning("target %s uses CHAP user '%s', the vHBA gets user '%s' (from %s): its login is likely to fail",
				      job->targets[i].name, r->chap.one_way.user,
				      chosen->chap.one_way.user, chosen->source);
	}
	return chosen;
}

static void explain_existing_chap(const struct import_job *job,
				  const struct vhba_state *st)
{
	const char *name = job->vhba.name;
	size_t i;

	for (i = 0; i < job->nr_targets; i++) {
		const struct node_record *r = job->targets[i].chap_rec;

		if (!r)
			continue;
		if (!st->has_chap)
			print_warning("target %s: its record uses CHAP user '%s' but vHBA %s has no CHAP credentials, and they cannot be added to an existing vHBA; re-create it with 'vhba add %s ... chap USER file PATH' if the target requires CHAP",
				      job->targets[i].name, r->chap.one_way.user,
				      name, name);
		else if (strcmp(st->chap_user, r->chap.one_way.user))
			print_note("target %s: vHBA %s keeps its CHAP user '%s'; the record's user '%s' is not applied",
				   job->targets[i].name, name, st->chap_user,
				   r->chap.one_way.user);
	}
}

static int create_vhba(struct import_job *job, struct vc_nl *nl)
{
	struct vhba_config *cfg = &job->vhba;
	const struct node_record *chap_rec = choose_chap(job);
	const struct import_target *first = &job->targets[0];
	int ret;

	if (chap_rec)
		cfg->chap = chap_rec->chap;
	/* digests: what the first target's record proposes */
	cfg->digest = (first->header_digest ? DIGEST_HEADER : 0) |
		      (first->data_digest ? DIGEST_DATA : 0);
	if (opts.dry_run)
		out_text("# vHBA %s would be created if it does not exist%s%s\n",
			 cfg->name, chap_rec ? ", with CHAP from " : "",
			 chap_rec ? chap_rec->source : "");
	else if (chap_rec)
		print_note("creating vHBA %s with the CHAP credentials of %s (user '%s')",
			   cfg->name, chap_rec->source, chap_rec->chap.one_way.user);
	ret = vhba_new(nl, cfg);
	chap_config_wipe(&cfg->chap);
	return ret;
}

static int attach_target(struct import_job *job, struct vc_nl *nl,
			 struct import_target *t)
{
	char what[ISCSI_NAME_MAX + 64];
	struct vc_msg *msg;
	char portal_str[PORTAL_STR_MAX];
	size_t i;
	int err;

	msg = malloc(sizeof(*msg));
	if (!msg) {
		print_error("out of memory");
		return -1;
	}
	msg_init(msg, nl->family_id, VCONNECT_CMD_TARGET_ATTACH, NLM_F_ACK);
	msg_put_str(msg, VCONNECT_A_VHBA_NAME, job->vhba.name);
	msg_put_str(msg, VCONNECT_A_TARGET_NAME, t->name);
	for (i = 0; i < t->nr_portals; i++)
		msg_put_portal(msg, VCONNECT_A_TARGET_PORTAL, &t->portals[i]);
	if (opts.dry_run)
		out_text("# attach target %s\n", t->name);
	err = vc_nl_request(nl, msg, NULL, NULL);
	free(msg);
	if (opts.dry_run) {
		t->result = "dry-run";
		return 0;
	}
	if (err == -EEXIST) {
		t->result = "already-attached";
		if (!opts.json)
			printf("skipped  %s  (already attached to %s)\n", t->name,
			       job->vhba.name);
		return 0;
	}
	if (err) {
		t->result = "failed";
		snprintf(what, sizeof(what), "attach %s", t->name);
		vc_nl_report(nl, err, what);
		return -1;
	}
	t->result = "attached";
	if (!opts.json) {
		printf("attached  %s  to %s  portals", t->name, job->vhba.name);
		for (i = 0; i < t->nr_portals; i++) {
			format_portal(&t->portals[i], portal_str, sizeof(portal_str));
			printf(" %s", portal_str);
		}
		putchar('\n');
	}
	return 0;
}

static void print_summary(const struct import_job *job, bool created)
{
	char portal_str[PORTAL_STR_MAX];
	size_t i, p;

	out_begin_object(NULL);
	out_str("vhba", NULL, job->vhba.name);
	out_bool("created", NULL, created);
	out_begin_array("targets");
	for (i = 0; i < job->nr_targets; i++) {
		const struct import_target *t = &job->targets[i];

		out_begin_object(NULL);
		out_str("target", NULL, t->name);
		out_begin_array("portals");
		for (p = 0; p < t->nr_portals; p++) {
			format_portal(&t->portals[p], portal_str, sizeof(portal_str));
			jw_string(out_json(), portal_str);
		}
		out_end_array();
		out_bool("chap", NULL, t->chap_rec != NULL);
		out_str("result", NULL, t->result ? t->result : "not-tried");
		out_end_object();
	}
	out_end_array();
	out_end_object();
	out_finish();
}

static int run_import(struct import_job *job)
{
	struct vhba_state st = { 0 };
	bool may_create = job->vhba.initiator || job->vhba.has_wwpn;
	bool created = false;
	struct vc_nl nl;
	int ret = EXIT_ERROR;
	size_t i;

	if (vc_nl_open(&nl))
		return EXIT_ERROR;
	if (opts.dry_run) {
		if (may_create && create_vhba(job, &nl))
			goto out;
		if (!may_create)
			out_text("# vHBA %s must exist (not checked in a dry run)\n",
				 job->vhba.name);
	} else {
		if (vhba_query(&nl, job->vhba.name, &st))
			goto out;
		if (!st.exists && !may_create) {
			print_error("vHBA %s does not exist: create it with 'vconnectctl vhba add', or give import 'initiator IQN' (or 'wwpn WWPN') to create it",
				    job->vhba.name);
			goto out;
		}
		if (!st.exists) {
			if (create_vhba(job, &nl))
				goto out;
			created = true;
		} else {
			explain_existing_chap(job, &st);
		}
	}

	ret = EXIT_OK;
	for (i = 0; i < job->nr_targets; i++)
		if (attach_target(job, &nl, &job->targets[i]))
			ret = EXIT_ERROR;
	if (opts.json && !opts.dry_run)
		print_summary(job, created);
out:
	vc_nl_close(&nl);
	return ret;
}

static int parse_import_args(struct cmdline *cl, struct import_job *job)
{
	static const char *const keywords[] = {
		"node-dir", "target", "vhba", "initiator", "wwpn", "--dry-run",
		"dry-run", NULL
	};
	struct stat st;
	char *arg, *v;

	while ((arg = cl_next(cl))) {
		if (is_help(arg)) {
			import_usage(stdout);
			return 1;
		}
		switch (cl_keyword(cl, arg, keywords)) {
		case 0:
			job->node_dir = cl_value(cl, "node-dir", "a directory");
			if (!job->node_dir)
				return -1;
			break;
		case 1:
			v = cl_value(cl, "target", "a target name");
			if (!v || check_iscsi_name(v, "target name"))
				return -1;
			if (job->nr_filters >= IMPORT_MAX_FILTERS) {
				print_error("at most %d 'target' filters", IMPORT_MAX_FILTERS);
				return -1;
			}
			job->filters[job->nr_filters++] = v;
			break;
		case 2:
			job->vhba.name = cl_value(cl, "vhba", "a vHBA name");
			if (!job->vhba.name || check_vhba_name(job->vhba.name))
				return -1;
			break;
		case 3:
			job->vhba.initiator = cl_value(cl, "initiator", "an initiator name");
			if (!job->vhba.initiator ||
			    check_iscsi_name(job->vhba.initiator, "initiator name"))
				return -1;
			break;
		case 4:
			v = cl_value(cl, "wwpn", "a WWPN");
			if (!v || parse_wwn(v, "WWPN", &job->vhba.wwpn))
				return -1;
			job->vhba.has_wwpn = true;
			break;
		case 5:
		case 6:
			opts.dry_run = true;
			break;
		default:
			return -1;
		}
	}
	if (!job->vhba.name) {
		print_error("'import' needs 'vhba NAME'");
		return -1;
	}
	if (!job->node_dir) {
		job->node_dir = DEFAULT_NODE_DIR;
		if (stat(DEFAULT_NODE_DIR, &st) && !stat(ALT_NODE_DIR, &st))
			job->node_dir = ALT_NODE_DIR;
	}
	return 0;
}

int do_import(int argc, char **argv)
{
	struct cmdline cl = { argc, argv, "import" };
	struct import_job *job;
	int ret;
	size_t i;

	job = calloc(1, sizeof(*job));
	if (!job) {
		print_error("out of memory");
		return EXIT_ERROR;
	}
	vhba_config_init(&job->vhba);
	ret = parse_import_args(&cl, job);
	if (ret) {
		ret = ret > 0 ? EXIT_OK : EXIT_USAGE;
		goto out;
	}
	ret = EXIT_ERROR;
	if (collect_records(job) || group_targets(job))
		goto out;
	ret = run_import(job);
out:
	for (i = 0; i < job->nr_recs; i++)
		chap_config_wipe(&job->recs[i].chap);
	free(job->recs);
	free(job->targets);
	chap_config_wipe(&job->vhba.chap);
	free(job);
	return ret;
}
