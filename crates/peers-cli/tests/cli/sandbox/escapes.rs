//! Escape attempts from inside the sandbox (design §4): each must be blocked, and each script
//! ends with a `done` line so a blocked attempt cannot pass by the script dying early.

use std::io::Read as _;
use std::net::TcpListener;
use std::time::Duration;

use super::{Turn, lines, text};

const SECRET: &str = "SECRET-KEY-4f1c9e";

#[test]
fn host_secrets_cannot_be_read() {
    for turn in Turn::each() {
        std::fs::create_dir_all(turn.home().join(".ssh")).expect("ssh dir");
        std::fs::write(turn.home().join(".ssh/id_rsa"), SECRET).expect("key");
        std::fs::write(turn.home().join(".aws-credentials"), SECRET).expect("aws");
        let beside = turn.env.root().join("secret.txt");
        std::fs::write(&beside, SECRET).expect("secret");
        let outcome = turn.sh(&format!(
            "cat \"$HOME/.ssh/id_rsa\" \"$HOME/.aws-credentials\" {beside} /root/.ssh/id_rsa 2>&1; \
         ln -s \"$HOME/.ssh/id_rsa\" leak; cat leak 2>&1; \
         cat /proc/1/root{beside} 2>&1; ls /proc/self/root/../../root 2>&1; \
         grep -r {SECRET} / --exclude-dir=proc --exclude-dir=sys 2>/dev/null; echo done",
            beside = beside.display()
        ));
        let all = text(&outcome);
        assert!(!all.contains(SECRET), "a secret leaked:\n{all}");
        assert_eq!(
            lines(&outcome).last().map(String::as_str),
            Some("done"),
            "{all}"
        );
    }
}

#[test]
fn writes_outside_the_repository_and_scratch_do_not_reach_the_host() {
    for turn in Turn::each() {
        let beside = turn.env.root().join("beside");
        std::fs::create_dir_all(&beside).expect("beside");
        std::fs::write(turn.home().join(".bashrc"), "# mine\n").expect("bashrc");
        let outcome = turn.sh(&format!(
        "echo evil >> \"$HOME/.bashrc\"; touch {beside}/marker; touch /etc/profile.d/x.sh; \
         touch /usr/local/bin/git; touch /marker; echo x > /proc/sys/kernel/hostname; \
         echo work > file.txt && mkdir -p sub && mv file.txt sub/ && ln sub/file.txt hard && echo repo-ok; \
         echo build > {scratch}/out && echo scratch-ok; echo done",
        beside = beside.display(),
        scratch = turn.scratch.display()
    ));
        let all = text(&outcome);
        assert_eq!(
            lines(&outcome).last().map(String::as_str),
            Some("done"),
            "{all}"
        );
        assert!(!beside.join("marker").exists(), "{all}");
        assert_eq!(
            std::fs::read_to_string(turn.home().join(".bashrc")).expect("bashrc"),
            "# mine\n"
        );
        assert!(!std::path::Path::new("/etc/profile.d/x.sh").exists());
        assert!(!std::path::Path::new("/marker").exists());
        // Honest writes land on the host.
        assert!(
            all.contains("repo-ok") && all.contains("scratch-ok"),
            "{all}"
        );
        assert_eq!(
            std::fs::read_to_string(turn.repo.join("sub/file.txt")).expect("repo file"),
            "work\n"
        );
        assert!(turn.scratch.join("out").exists());
    }
}

#[test]
fn git_hooks_config_and_the_git_directory_cannot_be_planted_or_swapped() {
    for turn in Turn::each() {
        let config_before = std::fs::read(turn.repo.join(".git/config")).expect("config");
        let outcome = turn.sh(
            "printf '#!/bin/sh\\ntouch /tmp/pwned\\n' > .git/hooks/post-commit; \
         git config core.fsmonitor 'touch /tmp/pwned'; git config --local alias.x '!sh'; \
         mv .git .git-old; rmdir .git; ls .git/HEAD; echo done",
        );
        let all = text(&outcome);
        assert_eq!(
            lines(&outcome).last().map(String::as_str),
            Some("done"),
            "{all}"
        );
        assert_eq!(
            std::fs::read(turn.repo.join(".git/config")).expect("config"),
            config_before,
            "{all}"
        );
        assert!(!turn.repo.join(".git/hooks/post-commit").exists(), "{all}");
        assert!(turn.repo.join(".git/HEAD").exists(), "{all}");
        assert!(!turn.repo.join(".git-old").exists(), "{all}");
    }
}

#[test]
fn a_symlinked_git_hooks_directory_fails_closed() {
    for turn in Turn::each() {
        let outside = turn.env.root().join("outside-hooks");
        std::fs::create_dir_all(&outside).expect("outside");
        std::fs::write(outside.join("note"), SECRET).expect("note");
        std::fs::remove_dir_all(turn.repo.join(".git/hooks")).expect("rm hooks");
        std::os::unix::fs::symlink(&outside, turn.repo.join(".git/hooks")).expect("symlink");
        let outcome = turn.sh("echo ran > ran.txt; cat .git/hooks/note");
        let all = text(&outcome);
        assert_eq!(
            outcome.exit.code,
            Some(peers_sandbox::SETUP_FAILED_EXIT_CODE),
            "{all}"
        );
        assert!(all.contains(".git/hooks") && all.contains("hint:"), "{all}");
        assert!(
            !turn.repo.join("ran.txt").exists(),
            "the command ran: {all}"
        );
    }
}

#[test]
fn host_loopback_services_and_outside_addresses_are_unreachable() {
    for turn in Turn::each() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let abstract_name = format!("peers-sandbox-test-{}", std::process::id());
        let abstract_listener = std::os::unix::net::UnixListener::bind_addr(
        &<std::os::unix::net::SocketAddr as std::os::linux::net::SocketAddrExt>::from_abstract_name(
            abstract_name.as_bytes(),
        )
            .expect("abstract address"),
    )
    .expect("abstract listen");
        abstract_listener
            .set_nonblocking(true)
            .expect("nonblocking");
        let script = format!(
            "import socket\n\
         try:\n\
         \x20   u = socket.socket(socket.AF_UNIX); u.connect('\\0{abstract_name}'); print('reached abstract')\n\
         except OSError as err: print('blocked abstract', err)\n\
         for addr in [('127.0.0.1', {port}), ('192.0.2.1', 80), ('::1', {port})]:\n\
         \x20   try:\n\
         \x20       socket.create_connection(addr, timeout=2); print('reached', addr)\n\
         \x20   except OSError as err: print('blocked', addr, err)\n\
         try:\n\
         \x20   socket.getaddrinfo('example.com', 443); print('resolved')\n\
         except OSError as err: print('no-dns', err)\n\
         print('done')\n"
        );
        let outcome = turn.run(&["python3", "-c", &script], &[]);
        let all = text(&outcome);
        assert_eq!(
            lines(&outcome).last().map(String::as_str),
            Some("done"),
            "{all}"
        );
        assert!(
            !all.contains("reached") && !all.contains("resolved"),
            "{all}"
        );
        std::thread::sleep(Duration::from_millis(100));
        match listener.accept() {
            Ok((mut stream, _)) => {
                let mut buffer = Vec::new();
                let _ = stream.read_to_end(&mut buffer);
                panic!("the host listener was reached from the sandbox:\n{all}");
            }
            Err(err) => assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock),
        }
        assert!(
            abstract_listener.accept().is_err(),
            "the abstract socket was reached:\n{all}"
        );
    }
}

#[test]
fn host_processes_cannot_be_signalled_traced_or_read() {
    for turn in Turn::each() {
        let mut decoy = std::process::Command::new("sleep")
            .arg("30")
            .env("DECOY_SECRET", SECRET)
            .spawn()
            .expect("decoy");
        let pid = decoy.id();
        let me = std::process::id();
        let script = format!(
            "import ctypes, os, signal\n\
         libc = ctypes.CDLL(None, use_errno=True)\n\
         for pid in [{pid}, {me}, 1]:\n\
         \x20   try: os.kill(pid, signal.SIGKILL if pid != 1 else 0); print('signalled', pid)\n\
         \x20   except OSError as err: print('no-signal', pid, err.errno)\n\
         \x20   print('ptrace', pid, libc.ptrace(16, pid, 0, 0), ctypes.get_errno())\n\
         \x20   try: print(open(f'/proc/{{pid}}/environ').read())\n\
         \x20   except OSError as err: print('no-environ', pid, err.errno)\n\
         print('done')\n"
        );
        let outcome = turn.run(&["python3", "-c", &script], &[]);
        let all = text(&outcome);
        let alive = decoy.try_wait().expect("decoy status").is_none();
        let _ = decoy.kill();
        let _ = decoy.wait();
        assert_eq!(
            lines(&outcome).last().map(String::as_str),
            Some("done"),
            "{all}"
        );
        assert!(alive, "the decoy was killed from the sandbox:\n{all}");
        assert!(!all.contains(SECRET), "{all}");
        assert!(!all.contains(&format!("signalled {pid}")), "{all}");
        assert!(!all.contains(&format!("ptrace {pid} 0 ")), "{all}");
        assert!(!all.contains("ptrace 1 0 "), "init was traced:\n{all}");
    }
}

#[test]
fn mount_unshare_keyctl_raw_sockets_and_setuid_gain_nothing() {
    for turn in Turn::each() {
        let script = "import ctypes, os, socket, subprocess\n\
         libc = ctypes.CDLL(None, use_errno=True)\n\
         def sh(cmd): print(cmd, subprocess.run(cmd, shell=True, capture_output=True).returncode)\n\
         sh('mount -t tmpfs x /tmp'); sh('mount -o remount,rw .git/hooks'); sh('unshare -r true'); sh('unshare -n true')\n\
         print('keyctl', libc.syscall(250, 1, -3, 0), ctypes.get_errno())\n\
         print('bpf', libc.syscall(321, 0, 0, 0), ctypes.get_errno())\n\
         for fam, kind in [(socket.AF_INET, socket.SOCK_RAW), (socket.AF_PACKET, socket.SOCK_RAW), (40, socket.SOCK_STREAM)]:\n\
         \x20   try: socket.socket(fam, kind, 1 if fam == socket.AF_INET else 0); print('socket-open', fam)\n\
         \x20   except OSError as err: print('socket-denied', fam, err.errno)\n\
         status = open('/proc/self/status').read()\n\
         print([l for l in status.splitlines() if l.startswith(('CapEff', 'CapPrm', 'CapBnd', 'NoNewPrivs'))])\n\
         print('su', subprocess.run(['su', '-c', 'grep CapEff /proc/self/status'], capture_output=True).stdout)\n\
         print('done')\n";
        let outcome = turn.run(&["python3", "-c", script], &[]);
        let all = text(&outcome);
        let stdout = outcome.stdout.to_string_lossy();
        assert_eq!(
            lines(&outcome).last().map(String::as_str),
            Some("done"),
            "{all}"
        );
        for command in [
            "mount -t tmpfs x /tmp",
            "mount -o remount,rw .git/hooks",
            "unshare -r true",
            "unshare -n true",
        ] {
            assert!(
                !stdout.contains(&format!("{command} 0\n")),
                "{command} succeeded:\n{all}"
            );
        }
        assert!(
            stdout.contains("keyctl -1 1\n") && stdout.contains("bpf -1 1\n"),
            "{all}"
        );
        assert!(!stdout.contains("socket-open"), "{all}");
        for line in [
            "CapEff:\\t0000000000000000",
            "CapPrm:\\t0000000000000000",
            "CapBnd:\\t0000000000000000",
            "NoNewPrivs:\\t1",
        ] {
            assert!(stdout.contains(line), "{line} missing:\n{all}");
        }
        assert!(
            !stdout.contains("CapEff:\\t000001"),
            "setuid gained capabilities:\n{all}"
        );
    }
}
