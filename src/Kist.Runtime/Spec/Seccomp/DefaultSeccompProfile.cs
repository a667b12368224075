namespace Kist.Runtime.Spec.Seccomp;

/// <summary>
/// Kist's default filter: the system calls docker's default profile documents as blocked (kernel keyrings, modules,
/// clocks, mounts, namespaces, reboot, kexec, raw I/O, bpf, perf, NUMA, handles, userfaultfd…) fail with EPERM unless
/// the container holds the capability that docker's profile asks for them. Written as a deny list over everything
/// else allowed, where docker's profile is an allow list: the calls it leaves out and a container can make are these.
/// </summary>
public static class DefaultSeccompProfile
{
    private const string Deny = "SCMP_ACT_ERRNO";
    private const uint EPERM = 1, ENOSYS = 38;

    // Namespace flags of clone(2) (CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET): one rule each,
    // because a seccomp comparison can test one masked value for equality, not "any of these bits".
    private static readonly ulong[] CloneNamespaceFlags = [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000];

    public static readonly SeccompProfile Profile = new()
    {
        DefaultAction = "SCMP_ACT_ALLOW",
        Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        Syscalls =
        [
            Blocked(["add_key", "keyctl", "request_key", "get_kernel_syms", "query_module", "nfsservctl", "sysfs", "_sysctl", "uselib", "ustat", "vm86", "vm86old"]),
            Blocked(["acct"], unless: "CAP_SYS_PACCT"),
            Blocked(["clock_adjtime", "clock_settime", "settimeofday", "stime", "adjtimex"], unless: "CAP_SYS_TIME"),
            Blocked(["create_module", "delete_module", "finit_module", "init_module"], unless: "CAP_SYS_MODULE"),
            Blocked(["get_mempolicy", "mbind", "set_mempolicy", "move_pages"], unless: "CAP_SYS_NICE"),
            Blocked(["ioperm", "iopl"], unless: "CAP_SYS_RAWIO"),
            Blocked(["kcmp", "process_vm_readv", "process_vm_writev", "userfaultfd"], unless: "CAP_SYS_PTRACE"),
            Blocked(["kexec_file_load", "kexec_load", "reboot"], unless: "CAP_SYS_BOOT"),
            Blocked(["bpf", "lookup_dcookie", "mount", "umount", "umount2", "pivot_root", "quotactl", "setns", "swapon", "swapoff", "unshare", "fanotify_init", "perf_event_open", "fsopen", "fsmount", "fsconfig", "fspick", "move_mount", "open_tree", "mount_setattr"], unless: "CAP_SYS_ADMIN"),
            Blocked(["name_to_handle_at", "open_by_handle_at"], unless: "CAP_DAC_READ_SEARCH"),
            Blocked(["syslog"], unless: "CAP_SYSLOG"),
            Blocked(["vhangup"], unless: "CAP_SYS_TTY_CONFIG"),
            // clone3's flags sit in a struct seccomp cannot read: docker makes it ENOSYS so that libc falls back to clone.
            new SeccompRule { Names = ["clone3"], Action = Deny, ErrnoRet = ENOSYS, Excludes = new SeccompFilter { Caps = ["CAP_SYS_ADMIN"] } },
            .. CloneNamespaceFlags.Select(flag => new SeccompRule
            {
                Names = ["clone"], Action = Deny, ErrnoRet = EPERM, Excludes = new SeccompFilter { Caps = ["CAP_SYS_ADMIN"] },
                Args = [new SpecSyscallArg { Index = 0, Value = flag, ValueTwo = flag, Op = "SCMP_CMP_MASKED_EQ" }],
            }),
        ],
    };

    private static SeccompRule Blocked(IReadOnlyList<string> names, string? unless = null) => new()
    {
        Names = names, Action = Deny, ErrnoRet = EPERM,
        Excludes = unless is null ? null : new SeccompFilter { Caps = [unless] },
    };
}
