// SPDX-License-Identifier: GPL-2.0
/*
 * Read-only state in sysfs. Per vHBA, on its Scsi_Host
 * (/sys/class/scsi_host/hostN/vconnect_*); per bound target, the iSCSI
 * session in a session<T> directory beside the midlayer's targetN:0:T
 * (/sys/class/scsi_host/hostN/device/session<T>/), T being the SCSI
 * target id.
 */
#include <linux/inet.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <scsi/scsi_host.h>

#include "vhba.h"

static const char *const vhba_policy_names[] = {
	[VCONNECT_POLICY_AUTO]		= "auto",
	[VCONNECT_POLICY_SOFTWARE]	= "software",
	[VCONNECT_POLICY_PREFER_OFFLOAD] = "prefer-offload",
	[VCONNECT_POLICY_OFFLOAD]	= "offload",
};

static struct vhba *dev_to_vhba(struct device *dev)
{
	return shost_to_vhba(class_to_shost(dev));
}

static ssize_t vconnect_name_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", dev_to_vhba(dev)->name);
}
static DEVICE_ATTR_RO(vconnect_name);

static ssize_t vconnect_initiator_name_show(struct device *dev,
					    struct device_attribute *attr,
					    char *buf)
{
	return sysfs_emit(buf, "%s\n", dev_to_vhba(dev)->initiator_name);
}
static DEVICE_ATTR_RO(vconnect_initiator_name);

static ssize_t vconnect_isid_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%012llx\n",
			  vhba_isid_to_u64(dev_to_vhba(dev)->isid));
}
static DEVICE_ATTR_RO(vconnect_isid);

static ssize_t vconnect_wwpn_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0x%016llx\n", dev_to_vhba(dev)->wwpn);
}
static DEVICE_ATTR_RO(vconnect_wwpn);

static ssize_t vconnect_wwnn_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0x%016llx\n", dev_to_vhba(dev)->wwnn);
}
static DEVICE_ATTR_RO(vconnect_wwnn);

static ssize_t vconnect_replacement_timeout_ms_show(struct device *dev,
						    struct device_attribute *attr,
						    char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_vhba(dev)->replacement_timeout_ms);
}
static DEVICE_ATTR_RO(vconnect_replacement_timeout_ms);

static ssize_t vconnect_policy_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", vhba_policy_names[dev_to_vhba(dev)->policy]);
}
static DEVICE_ATTR_RO(vconnect_policy);

static struct attribute *vhba_host_attrs[] = {
	&dev_attr_vconnect_name.attr,
	&dev_attr_vconnect_initiator_name.attr,
	&dev_attr_vconnect_isid.attr,
	&dev_attr_vconnect_wwpn.attr,
	&dev_attr_vconnect_wwnn.attr,
	&dev_attr_vconnect_replacement_timeout_ms.attr,
	&dev_attr_vconnect_policy.attr,
	NULL
};

static const struct attribute_group vhba_host_group = {
	.attrs = vhba_host_attrs,
};

const struct attribute_group *vhba_host_groups[] = {
	&vhba_host_group,
	NULL
};

/* ---- per-session directory ---- */

struct vhba_session_attr {
	struct attribute attr;
	ssize_t (*show)(struct vhba_session *sess, char *buf);
};

#define VHBA_SESS_ATTR(_name)						\
	static struct vhba_session_attr vhba_sess_attr_##_name =	\
		__ATTR_RO(_name)

static ssize_t target_name_show(struct vhba_session *sess, char *buf)
{
	return sysfs_emit(buf, "%s\n", sess->target_name);
}
VHBA_SESS_ATTR(target_name);

static ssize_t state_show(struct vhba_session *sess, char *buf)
{
	return sysfs_emit(buf, "%s\n", vhba_state_name(READ_ONCE(sess->state)));
}
VHBA_SESS_ATTR(state);

static ssize_t backend_show(struct vhba_session *sess, char *buf)
{
	struct vconnect_be_session *be;
	const char *name = "none";

	rcu_read_lock();
	be = rcu_dereference(sess->be);
	if (be)
		name = be->backend->name;
	rcu_read_unlock();
	return sysfs_emit(buf, "%s\n", name);
}
VHBA_SESS_ATTR(backend);

/* Where the session runs: "software", "vcsim0/vf2", or "none". */
static ssize_t datapath_show(struct vhba_session *sess, char *buf)
{
	char where[VHBA_WHERE_MAX] = "none";

	spin_lock_bh(&sess->lock);
	if (rcu_access_pointer(sess->be))
		strscpy(where, sess->where, sizeof(where));
	spin_unlock_bh(&sess->lock);
	return sysfs_emit(buf, "%s\n", where);
}
VHBA_SESS_ATTR(datapath);

/* The session's ISID: one of the vHBA's pair, alternating on switches. */
static ssize_t isid_show(struct vhba_session *sess, char *buf)
{
	u8 isid[VCONNECT_ISID_LEN];

	spin_lock_bh(&sess->lock);
	memcpy(isid, sess->isid, sizeof(isid));
	spin_unlock_bh(&sess->lock);
	return sysfs_emit(buf, "%012llx\n", vhba_isid_to_u64(isid));
}
VHBA_SESS_ATTR(isid);

static ssize_t portal_show(struct vhba_session *sess, char *buf)
{
	struct sockaddr_storage ss;

	spin_lock_bh(&sess->lock);
	ss = sess->info.portal;
	spin_unlock_bh(&sess->lock);
	if (ss.ss_family == AF_INET6)
		return sysfs_emit(buf, "[%pI6c]:%u\n",
				  &((struct sockaddr_in6 *)&ss)->sin6_addr,
				  ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	if (ss.ss_family == AF_INET)
		return sysfs_emit(buf, "%pI4:%u\n",
				  &((struct sockaddr_in *)&ss)->sin_addr,
				  ntohs(((struct sockaddr_in *)&ss)->sin_port));
	return sysfs_emit(buf, "none\n");
}
VHBA_SESS_ATTR(portal);

#define VHBA_SESS_INFO_ATTR(_name, _field, _fmt)			\
static ssize_t _name##_show(struct vhba_session *sess, char *buf)	\
{									\
	unsigned long long v;						\
									\
	spin_lock_bh(&sess->lock);					\
	v = sess->info._field;						\
	spin_unlock_bh(&sess->lock);					\
	return sysfs_emit(buf, _fmt "\n", v);				\
}									\
VHBA_SESS_ATTR(_name)

VHBA_SESS_INFO_ATTR(tsih, tsih, "%llu");
VHBA_SESS_INFO_ATTR(header_digest, neg.header_digest, "%llu");
VHBA_SESS_INFO_ATTR(data_digest, neg.data_digest, "%llu");
VHBA_SESS_INFO_ATTR(max_recv_dsl, neg.max_recv_dsl, "%llu");
VHBA_SESS_INFO_ATTR(max_xmit_dsl, neg.max_xmit_dsl, "%llu");
VHBA_SESS_INFO_ATTR(max_burst_length, neg.max_burst_length, "%llu");
VHBA_SESS_INFO_ATTR(first_burst_length, neg.first_burst_length, "%llu");
VHBA_SESS_INFO_ATTR(initial_r2t, neg.initial_r2t, "%llu");
VHBA_SESS_INFO_ATTR(immediate_data, neg.immediate_data, "%llu");
VHBA_SESS_INFO_ATTR(max_outstanding_r2t, neg.max_outstanding_r2t, "%llu");
VHBA_SESS_INFO_ATTR(cmd_window, cmd_window, "%llu");

#define VHBA_SESS_STAT_ATTR(_name)					\
static ssize_t _name##_show(struct vhba_session *sess, char *buf)	\
{									\
	return sysfs_emit(buf, "%lld\n",				\
			  (long long)atomic64_read(&sess->stats._name));	\
}									\
VHBA_SESS_ATTR(_name)

VHBA_SESS_STAT_ATTR(cmds);
VHBA_SESS_STAT_ATTR(read_bytes);
VHBA_SESS_STAT_ATTR(write_bytes);
VHBA_SESS_STAT_ATTR(errors);
VHBA_SESS_STAT_ATTR(recoveries);
VHBA_SESS_STAT_ATTR(switches);
VHBA_SESS_STAT_ATTR(failovers);

static ssize_t last_stall_us_show(struct vhba_session *sess, char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(sess->stats.last_stall_us));
}
VHBA_SESS_ATTR(last_stall_us);

static ssize_t last_error_show(struct vhba_session *sess, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(sess->last_error));
}
VHBA_SESS_ATTR(last_error);

static struct attribute *vhba_session_attrs[] = {
	&vhba_sess_attr_target_name.attr,
	&vhba_sess_attr_state.attr,
	&vhba_sess_attr_backend.attr,
	&vhba_sess_attr_datapath.attr,
	&vhba_sess_attr_isid.attr,
	&vhba_sess_attr_portal.attr,
	&vhba_sess_attr_tsih.attr,
	&vhba_sess_attr_header_digest.attr,
	&vhba_sess_attr_data_digest.attr,
	&vhba_sess_attr_max_recv_dsl.attr,
	&vhba_sess_attr_max_xmit_dsl.attr,
	&vhba_sess_attr_max_burst_length.attr,
	&vhba_sess_attr_first_burst_length.attr,
	&vhba_sess_attr_initial_r2t.attr,
	&vhba_sess_attr_immediate_data.attr,
	&vhba_sess_attr_max_outstanding_r2t.attr,
	&vhba_sess_attr_cmd_window.attr,
	&vhba_sess_attr_cmds.attr,
	&vhba_sess_attr_read_bytes.attr,
	&vhba_sess_attr_write_bytes.attr,
	&vhba_sess_attr_errors.attr,
	&vhba_sess_attr_recoveries.attr,
	&vhba_sess_attr_switches.attr,
	&vhba_sess_attr_failovers.attr,
	&vhba_sess_attr_last_stall_us.attr,
	&vhba_sess_attr_last_error.attr,
	NULL
};

static const struct attribute_group vhba_session_group = {
	.attrs	= vhba_session_attrs,
};

/*
 * iSCSI protocol counters, in session<T>/iscsi_stats/: whatever datapath
 * carried the session (software, or an offload function that counts).
 */
#define VHBA_PROTO_STAT_ATTR(_name)					\
static ssize_t proto_##_name##_show(struct vhba_session *sess, char *buf) \
{									\
	return sysfs_emit(buf, "%lld\n",				\
			  (long long)atomic64_read(&sess->proto_stats._name)); \
}									\
static struct vhba_session_attr vhba_proto_attr_##_name = {		\
	.attr = { .name = __stringify(_name), .mode = 0444 },		\
	.show = proto_##_name##_show,					\
}

VHBA_PROTO_STAT_ATTR(tx_pdus);
VHBA_PROTO_STAT_ATTR(rx_pdus);
VHBA_PROTO_STAT_ATTR(tx_bytes);
VHBA_PROTO_STAT_ATTR(rx_bytes);
VHBA_PROTO_STAT_ATTR(data_in);
VHBA_PROTO_STAT_ATTR(data_out);
VHBA_PROTO_STAT_ATTR(r2t);
VHBA_PROTO_STAT_ATTR(nop_out);
VHBA_PROTO_STAT_ATTR(nop_in);
VHBA_PROTO_STAT_ATTR(async_events);
VHBA_PROTO_STAT_ATTR(rejects);
VHBA_PROTO_STAT_ATTR(tmfs);
VHBA_PROTO_STAT_ATTR(busy);
VHBA_PROTO_STAT_ATTR(hdr_digest_errors);
VHBA_PROTO_STAT_ATTR(data_digest_errors);
VHBA_PROTO_STAT_ATTR(proto_errors);

static struct attribute *vhba_proto_stat_attrs[] = {
	&vhba_proto_attr_tx_pdus.attr,
	&vhba_proto_attr_rx_pdus.attr,
	&vhba_proto_attr_tx_bytes.attr,
	&vhba_proto_attr_rx_bytes.attr,
	&vhba_proto_attr_data_in.attr,
	&vhba_proto_attr_data_out.attr,
	&vhba_proto_attr_r2t.attr,
	&vhba_proto_attr_nop_out.attr,
	&vhba_proto_attr_nop_in.attr,
	&vhba_proto_attr_async_events.attr,
	&vhba_proto_attr_rejects.attr,
	&vhba_proto_attr_tmfs.attr,
	&vhba_proto_attr_busy.attr,
	&vhba_proto_attr_hdr_digest_errors.attr,
	&vhba_proto_attr_data_digest_errors.attr,
	&vhba_proto_attr_proto_errors.attr,
	NULL
};

static const struct attribute_group vhba_proto_stat_group = {
	.name	= "iscsi_stats",
	.attrs	= vhba_proto_stat_attrs,
};

static const struct attribute_group *vhba_session_groups[] = {
	&vhba_session_group,
	&vhba_proto_stat_group,
	NULL
};

static ssize_t vhba_session_attr_show(struct kobject *kobj,
				      struct attribute *attr, char *buf)
{
	struct vhba_session *sess = container_of(kobj, struct vhba_session, kobj);
	struct vhba_session_attr *a = container_of(attr, struct vhba_session_attr,
						   attr);

	return a->show(sess, buf);
}

static const struct sysfs_ops vhba_session_sysfs_ops = {
	.show = vhba_session_attr_show,
};

/* The last reference to a session is its kobject's. */
static void vhba_session_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct vhba_session, kobj));
}

struct kobj_type vhba_session_ktype = {
	.release	= vhba_session_release,
	.sysfs_ops	= &vhba_session_sysfs_ops,
	.default_groups	= vhba_session_groups,
};
