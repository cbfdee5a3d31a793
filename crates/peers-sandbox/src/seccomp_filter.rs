//! The seccomp deny-list: system calls an agent's builds and tests never need and that reach
//! the kernel's riskier surface (namespaces, mounts, keyrings, BPF, io_uring, ptrace, raw and
//! packet sockets, terminal injection). Everything else is allowed.

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch, sock_filter,
};

use crate::error::{SandboxError, SetupStep};

/// Denied outright with EPERM.
const DENIED: &[libc::c_long] = &[
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_chroot,
    libc::SYS_fsopen,
    libc::SYS_fsconfig,
    libc::SYS_fsmount,
    libc::SYS_fspick,
    libc::SYS_move_mount,
    libc::SYS_open_tree,
    libc::SYS_mount_setattr,
    libc::SYS_unshare,
    libc::SYS_setns,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_userfaultfd,
    libc::SYS_open_by_handle_at,
    libc::SYS_name_to_handle_at,
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_reboot,
    libc::SYS_swapon,
    libc::SYS_swapoff,
    libc::SYS_acct,
    libc::SYS_quotactl,
    libc::SYS_syslog,
    libc::SYS_personality,
];

/// Answered with ENOSYS, so libraries fall back instead of failing (glibc and libuv do).
const UNSUPPORTED: &[libc::c_long] = &[
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    // clone3 passes its flags in memory, out of seccomp's sight: glibc falls back to clone.
    libc::SYS_clone3,
];

/// Namespace flags a `clone` may not carry.
const CLONE_NAMESPACES: &[libc::c_int] = &[
    libc::CLONE_NEWUSER,
    libc::CLONE_NEWNS,
    libc::CLONE_NEWPID,
    libc::CLONE_NEWNET,
    libc::CLONE_NEWIPC,
    libc::CLONE_NEWUTS,
    libc::CLONE_NEWCGROUP,
];

/// Socket families refused: raw packets and host-VM channels.
const DENIED_FAMILIES: &[libc::c_int] = &[libc::AF_PACKET, libc::AF_VSOCK];

/// The compiled filters, to apply in order after `no_new_privs`.
pub(crate) fn filters() -> Result<Vec<BpfProgram>, SandboxError> {
    let arch = TargetArch::try_from(std::env::consts::ARCH).map_err(seccomp_error)?;
    let mut denied: BTreeMap<i64, Vec<SeccompRule>> =
        DENIED.iter().map(|call| (*call, Vec::new())).collect();
    denied.insert(
        libc::SYS_clone,
        CLONE_NAMESPACES
            .iter()
            .map(|flag| masked_rule(0, *flag as u64))
            .collect::<Result<_, _>>()?,
    );
    let mut socket_rules: Vec<SeccompRule> = DENIED_FAMILIES
        .iter()
        .map(|family| equal_rule(0, *family as u64))
        .collect::<Result<_, _>>()?;
    // SOCK_RAW in the low type bits (SOCK_CLOEXEC/NONBLOCK live above them).
    socket_rules.push(
        SeccompRule::new(vec![
            SeccompCondition::new(
                1,
                SeccompCmpArgLen::Dword,
                SeccompCmpOp::MaskedEq(0xf),
                libc::SOCK_RAW as u64,
            )
            .map_err(seccomp_error)?,
        ])
        .map_err(seccomp_error)?,
    );
    denied.insert(libc::SYS_socket, socket_rules);
    // TIOCSTI/TIOCLINUX push input into a terminal another process reads.
    denied.insert(
        libc::SYS_ioctl,
        vec![
            equal_rule(1, libc::TIOCSTI)?,
            equal_rule(1, libc::TIOCLINUX)?,
        ],
    );
    let unsupported: BTreeMap<i64, Vec<SeccompRule>> =
        UNSUPPORTED.iter().map(|call| (*call, Vec::new())).collect();
    let mut programs = [(denied, libc::EPERM), (unsupported, libc::ENOSYS)]
        .into_iter()
        .map(|(rules, errno)| {
            let filter = SeccompFilter::new(
                rules,
                SeccompAction::Allow,
                SeccompAction::Errno(errno as u32),
                arch,
            )
            .map_err(seccomp_error)?;
            BpfProgram::try_from(filter).map_err(seccomp_error)
        })
        .collect::<Result<Vec<_>, _>>()?;
    if cfg!(target_arch = "x86_64") {
        programs.push(x32_denied());
    }
    Ok(programs)
}

/// On x86_64 the x32 ABI reaches the same kernel entry points under numbers with bit 30 set,
/// which a deny-list keyed on x86_64 numbers would miss: refuse every x32 call (EPERM).
fn x32_denied() -> BpfProgram {
    const LOAD_WORD_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
    const JUMP_GE: u16 = 0x35; // BPF_JMP | BPF_JGE | BPF_K
    const RETURN: u16 = 0x06; // BPF_RET | BPF_K
    const X32_SYSCALL_BIT: u32 = 0x4000_0000;
    let instruction = |code, jt, jf, k| sock_filter { code, jt, jf, k };
    vec![
        // seccomp_data.nr is at offset 0.
        instruction(LOAD_WORD_ABS, 0, 0, 0),
        instruction(JUMP_GE, 0, 1, X32_SYSCALL_BIT),
        instruction(RETURN, 0, 0, libc::SECCOMP_RET_ERRNO | libc::EPERM as u32),
        instruction(RETURN, 0, 0, libc::SECCOMP_RET_ALLOW),
    ]
}

fn masked_rule(arg: u8, flag: u64) -> Result<SeccompRule, SandboxError> {
    let condition = SeccompCondition::new(
        arg,
        SeccompCmpArgLen::Qword,
        SeccompCmpOp::MaskedEq(flag),
        flag,
    )
    .map_err(seccomp_error)?;
    SeccompRule::new(vec![condition]).map_err(seccomp_error)
}

fn equal_rule(arg: u8, value: u64) -> Result<SeccompRule, SandboxError> {
    let condition = SeccompCondition::new(arg, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, value)
        .map_err(seccomp_error)?;
    SeccompRule::new(vec![condition]).map_err(seccomp_error)
}

fn seccomp_error(err: impl std::fmt::Display) -> SandboxError {
    SandboxError::setup(SetupStep::Seccomp, std::io::Error::other(err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_filters_compile_for_this_architecture() {
        let filters = filters().unwrap();
        assert_eq!(
            filters.len(),
            if cfg!(target_arch = "x86_64") { 3 } else { 2 }
        );
        assert!(filters.iter().all(|program| !program.is_empty()));
    }
}
