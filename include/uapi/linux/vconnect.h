/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vconnect generic netlink interface.
 *
 * Family name VCONNECT_GENL_NAME, version VCONNECT_GENL_VERSION. Every
 * command needs CAP_NET_ADMIN, and so does joining the events multicast
 * group on kernels with per-group permissions (GENL_MCAST_CAP_NET_ADMIN;
 * on older ones any user may join it: see Documentation/admin-guide.rst).
 * Documentation/netlink/specs/vconnect.yaml is
 * the YNL spec of this family; keep the two in step.
 *
 * VCONNECT_CMD_VHBA_NEW: create a vHBA.
 *   VCONNECT_A_VHBA_NAME             (string, required) [a-zA-Z0-9_.-]{1,31}
 *   VCONNECT_A_VHBA_INITIATOR_NAME   (string) iqn./eui./naa. name
 *   VCONNECT_A_VHBA_WWPN             (u64) port name; without an initiator
 *                                    name, the name is naa.<WWPN in hex>
 *   VCONNECT_A_VHBA_WWNN             (u64, optional)
 *   VCONNECT_A_VHBA_ISID             (u64, low 48 bits, optional; default:
 *                                    a random-type ISID unique on the host)
 *   VCONNECT_A_VHBA_ALIAS            (string, optional) InitiatorAlias
 *   VCONNECT_A_VHBA_CHAP_USER, _CHAP_SECRET (string, binary) one-way CHAP
 *   VCONNECT_A_VHBA_MCHAP_USER, _MCHAP_SECRET mutual CHAP (needs one-way)
 *   VCONNECT_A_VHBA_HEADER_DIGEST, _DATA_DIGEST (u8 0/1) propose CRC32C
 *   VCONNECT_A_VHBA_REPLACEMENT_TIMEOUT (u32, ms) how long commands wait
 *                                    for a session to come back, default 120000
 *   VCONNECT_A_VHBA_BACKEND_POLICY   (u32, enum vconnect_backend_policy)
 *   One of INITIATOR_NAME and WWPN is required. Initiator name + ISID and
 *   WWPN must be unique on the host.
 *
 * VCONNECT_CMD_VHBA_DEL: VCONNECT_A_VHBA_NAME. Logs out every session,
 *   removes the SCSI host.
 *
 * VCONNECT_CMD_VHBA_GET: with VCONNECT_A_VHBA_NAME one vHBA, as a dump all.
 *   Reply: the VHBA_NEW attributes (never the CHAP secrets), plus
 *   VCONNECT_A_VHBA_HOST_NO, VCONNECT_A_VHBA_BACKEND (string) and one
 *   nested VCONNECT_A_VHBA_TARGET (VCONNECT_A_TARGET_*) per bound target.
 *
 * VCONNECT_CMD_TARGET_ATTACH: bind a target and log in.
 *   VCONNECT_A_VHBA_NAME (required), VCONNECT_A_TARGET_NAME (required),
 *   one or more nested VCONNECT_A_TARGET_PORTAL (VCONNECT_A_PORTAL_ADDR:
 *   4 or 16 bytes, network order; VCONNECT_A_PORTAL_PORT: u16 host order,
 *   default 3260), optional VCONNECT_A_TARGET_LUN (u64, repeatable; none
 *   means all LUNs the target reports).
 *   Returns once the session is logged in, or with the login's error.
 *
 * VCONNECT_CMD_TARGET_DETACH: VCONNECT_A_VHBA_NAME, VCONNECT_A_TARGET_NAME.
 *
 * VCONNECT_CMD_VHBA_RESCAN: VCONNECT_A_VHBA_NAME; REPORT LUNS again.
 *
 * VCONNECT_CMD_DISCOVER: SendTargets discovery. VCONNECT_A_TARGET_PORTAL
 *   (one), VCONNECT_A_VHBA_INITIATOR_NAME (required), optional CHAP attrs.
 *   Reply: one nested VCONNECT_A_DISCOVERED per target
 *   (VCONNECT_A_TARGET_NAME, VCONNECT_A_DISCOVERED_ADDRESS strings as the
 *   target sent them, "addr:port,tpgt").
 *
 * VCONNECT_CMD_VHBA_SWITCH: move a vHBA's sessions to the other datapath,
 *   make-before-break (log in with the pair ISID, move dispatch, drain and
 *   log out the old session). VCONNECT_A_VHBA_NAME, VCONNECT_A_SWITCH_TO
 *   (u32, enum vconnect_datapath, required), optional
 *   VCONNECT_A_VHBA_BACKEND_POLICY (the vHBA's new policy). Returns once
 *   every session moved, or with the first error (the sessions that could
 *   not move keep running where they were).
 *
 * VCONNECT_CMD_OFFLOAD_GET: the offload function pool. Reply: one nested
 *   VCONNECT_A_OFFLOAD_FN (VCONNECT_A_FN_*) per function.
 *
 * Events (multicast group VCONNECT_MCGRP_EVENTS), command
 * VCONNECT_CMD_EVENT: VCONNECT_A_EVENT_TYPE (u32, enum vconnect_event),
 *   VCONNECT_A_VHBA_NAME, VCONNECT_A_TARGET_NAME, VCONNECT_A_EVENT_ERROR
 *   (s32, negative errno where one applies), VCONNECT_A_EVENT_STALL_US (u64)
 *   for recoveries and switches: how long commands could not be dispatched
 *   (or waited after being taken back). Switch events also carry
 *   VCONNECT_A_SWITCH_CAUSE, VCONNECT_A_SWITCH_FROM, VCONNECT_A_VHBA_BACKEND
 *   (the new datapath, e.g. "vcsim0/vf2" or "software") and
 *   VCONNECT_A_SWITCH_TIME_US (login, drain and logout together).
 */
#ifndef _UAPI_LINUX_VCONNECT_H
#define _UAPI_LINUX_VCONNECT_H

#define VCONNECT_GENL_NAME	"vconnect"
#define VCONNECT_GENL_VERSION	1
#define VCONNECT_MCGRP_EVENTS	"events"

#define VCONNECT_VHBA_NAME_MAX	32	/* including the NUL */

enum vconnect_cmd {
	VCONNECT_CMD_UNSPEC,
	VCONNECT_CMD_VHBA_NEW,
	VCONNECT_CMD_VHBA_DEL,
	VCONNECT_CMD_VHBA_GET,
	VCONNECT_CMD_TARGET_ATTACH,
	VCONNECT_CMD_TARGET_DETACH,
	VCONNECT_CMD_VHBA_RESCAN,
	VCONNECT_CMD_DISCOVER,
	VCONNECT_CMD_EVENT,
	VCONNECT_CMD_VHBA_SWITCH,
	VCONNECT_CMD_OFFLOAD_GET,

	__VCONNECT_CMD_MAX,
	VCONNECT_CMD_MAX = __VCONNECT_CMD_MAX - 1
};

enum vconnect_backend_policy {
	VCONNECT_POLICY_AUTO,		/* offload if assignable, else software */
	VCONNECT_POLICY_SOFTWARE,	/* software only */
	VCONNECT_POLICY_PREFER_OFFLOAD,	/* as AUTO, and fail back to offload */
	VCONNECT_POLICY_OFFLOAD,	/* offload only */
};

/* The two kinds of datapath a session can run on. */
enum vconnect_datapath {
	VCONNECT_DATAPATH_UNSPEC,
	VCONNECT_DATAPATH_SOFTWARE,
	VCONNECT_DATAPATH_OFFLOAD,
};

/* Why a session moved (VCONNECT_A_SWITCH_CAUSE). */
enum vconnect_switch_cause {
	VCONNECT_SWITCH_UNSPEC,
	VCONNECT_SWITCH_USER,		/* planned: vconnectctl vhba switch */
	VCONNECT_SWITCH_FAILBACK,	/* planned: an offload function freed up */
	VCONNECT_SWITCH_LINK_DOWN,	/* unplanned: the function lost its link */
	VCONNECT_SWITCH_FN_RESET,	/* unplanned: function reset */
	VCONNECT_SWITCH_FW_ERROR,	/* unplanned: firmware hung or crashed */
	VCONNECT_SWITCH_FN_REMOVED,	/* unplanned: function removed */
	VCONNECT_SWITCH_SESSION_LOST,	/* unplanned: any other session loss */
};

enum vconnect_session_state {
	VCONNECT_SESSION_FREE,		/* not logged in, not trying */
	VCONNECT_SESSION_LOGGING_IN,
	VCONNECT_SESSION_LOGGED_IN,
	VCONNECT_SESSION_RECOVERING,	/* lost, reinstating; I/O waits */
	VCONNECT_SESSION_FAILED,	/* replacement timeout expired; I/O fails */
};

enum vconnect_event {
	VCONNECT_EVENT_UNSPEC,
	VCONNECT_EVENT_SESSION_UP,
	VCONNECT_EVENT_SESSION_DOWN,
	VCONNECT_EVENT_RECOVERY_START,
	VCONNECT_EVENT_RECOVERY_DONE,
	VCONNECT_EVENT_RECOVERY_TIMEOUT,
	VCONNECT_EVENT_LUNS_CHANGED,
	VCONNECT_EVENT_VHBA_NEW,
	VCONNECT_EVENT_VHBA_DEL,
	VCONNECT_EVENT_SWITCH,		/* a session moved to another datapath */
	VCONNECT_EVENT_SWITCH_FAILED,	/* a planned switch did not happen */
};

enum vconnect_attr {
	VCONNECT_A_UNSPEC,
	VCONNECT_A_VHBA_NAME,			/* string */
	VCONNECT_A_VHBA_INITIATOR_NAME,		/* string */
	VCONNECT_A_VHBA_WWPN,			/* u64 */
	VCONNECT_A_VHBA_WWNN,			/* u64 */
	VCONNECT_A_VHBA_ISID,			/* u64 */
	VCONNECT_A_VHBA_ALIAS,			/* string */
	VCONNECT_A_VHBA_CHAP_USER,		/* string */
	VCONNECT_A_VHBA_CHAP_SECRET,		/* binary */
	VCONNECT_A_VHBA_MCHAP_USER,		/* string */
	VCONNECT_A_VHBA_MCHAP_SECRET,		/* binary */
	VCONNECT_A_VHBA_HEADER_DIGEST,		/* u8 */
	VCONNECT_A_VHBA_DATA_DIGEST,		/* u8 */
	VCONNECT_A_VHBA_REPLACEMENT_TIMEOUT,	/* u32, ms */
	VCONNECT_A_VHBA_BACKEND_POLICY,		/* u32 */
	VCONNECT_A_VHBA_HOST_NO,		/* u32 */
	VCONNECT_A_VHBA_BACKEND,		/* string */
	VCONNECT_A_VHBA_TARGET,			/* nest, VCONNECT_A_TARGET_* */
	VCONNECT_A_TARGET_NAME,			/* string */
	VCONNECT_A_TARGET_PORTAL,		/* nest, VCONNECT_A_PORTAL_* */
	VCONNECT_A_TARGET_LUN,			/* u64 */
	VCONNECT_A_DISCOVERED,			/* nest */
	VCONNECT_A_DISCOVERED_ADDRESS,		/* string */
	VCONNECT_A_EVENT_TYPE,			/* u32 */
	VCONNECT_A_EVENT_ERROR,			/* s32 */
	VCONNECT_A_EVENT_STALL_US,		/* u64 */
	VCONNECT_A_PAD,
	VCONNECT_A_SWITCH_TO,			/* u32, enum vconnect_datapath */
	VCONNECT_A_SWITCH_CAUSE,		/* u32, enum vconnect_switch_cause */
	VCONNECT_A_SWITCH_FROM,			/* string, old datapath */
	VCONNECT_A_SWITCH_TIME_US,		/* u64, whole switch */
	VCONNECT_A_OFFLOAD_FN,			/* nest, VCONNECT_A_FN_* */

	__VCONNECT_A_MAX,
	VCONNECT_A_MAX = __VCONNECT_A_MAX - 1
};

/* Inside VCONNECT_A_VHBA_TARGET (replies). */
enum vconnect_target_attr {
	VCONNECT_A_TGT_UNSPEC,
	VCONNECT_A_TGT_NAME,			/* string */
	VCONNECT_A_TGT_PORTAL,			/* nest, connected portal */
	VCONNECT_A_TGT_STATE,			/* u32, enum vconnect_session_state */
	VCONNECT_A_TGT_ISID,			/* u64 */
	VCONNECT_A_TGT_TSIH,			/* u16 */
	VCONNECT_A_TGT_SCSI_ID,			/* u32, SCSI target id on the host */
	VCONNECT_A_TGT_NR_LUNS,			/* u32 */
	VCONNECT_A_TGT_CMDS,			/* u64 */
	VCONNECT_A_TGT_READ_BYTES,		/* u64 */
	VCONNECT_A_TGT_WRITE_BYTES,		/* u64 */
	VCONNECT_A_TGT_ERRORS,			/* u64 */
	VCONNECT_A_TGT_RECOVERIES,		/* u64 */
	VCONNECT_A_TGT_HEADER_DIGEST,		/* u8 */
	VCONNECT_A_TGT_DATA_DIGEST,		/* u8 */
	VCONNECT_A_TGT_MAX_RECV_DSL,		/* u32 */
	VCONNECT_A_TGT_MAX_XMIT_DSL,		/* u32 */
	VCONNECT_A_TGT_MAX_BURST,		/* u32 */
	VCONNECT_A_TGT_FIRST_BURST,		/* u32 */
	VCONNECT_A_TGT_INITIAL_R2T,		/* u8 */
	VCONNECT_A_TGT_IMMEDIATE_DATA,		/* u8 */
	VCONNECT_A_TGT_LAST_ERROR,		/* s32 */
	VCONNECT_A_TGT_PAD,
	VCONNECT_A_TGT_DATAPATH,		/* string, e.g. "vcsim0/vf2" */
	VCONNECT_A_TGT_SWITCHES,		/* u64, planned switches */
	VCONNECT_A_TGT_FAILOVERS,		/* u64, unplanned switches */
	VCONNECT_A_TGT_LAST_STALL_US,		/* u64 */

	__VCONNECT_A_TGT_MAX,
	VCONNECT_A_TGT_MAX = __VCONNECT_A_TGT_MAX - 1
};

/* Inside VCONNECT_A_OFFLOAD_FN (OFFLOAD_GET replies). */
enum vconnect_fn_attr {
	VCONNECT_A_FN_UNSPEC,
	VCONNECT_A_FN_PF,			/* string, offload HBA */
	VCONNECT_A_FN_INDEX,			/* u32, VF number */
	VCONNECT_A_FN_STATE,			/* string */
	VCONNECT_A_FN_HOLDER,			/* string, vHBA name */
	VCONNECT_A_FN_SESSIONS,			/* u32 */
	VCONNECT_A_FN_CMDS,			/* u64 */
	VCONNECT_A_FN_PAD,
	__VCONNECT_A_FN_MAX,
	VCONNECT_A_FN_MAX = __VCONNECT_A_FN_MAX - 1
};

/* Inside VCONNECT_A_TARGET_PORTAL / VCONNECT_A_TGT_PORTAL. */
enum vconnect_portal_attr {
	VCONNECT_A_PORTAL_UNSPEC,
	VCONNECT_A_PORTAL_ADDR,			/* binary, 4 or 16 bytes */
	VCONNECT_A_PORTAL_PORT,			/* u16 */

	__VCONNECT_A_PORTAL_MAX,
	VCONNECT_A_PORTAL_MAX = __VCONNECT_A_PORTAL_MAX - 1
};

#endif /* _UAPI_LINUX_VCONNECT_H */
