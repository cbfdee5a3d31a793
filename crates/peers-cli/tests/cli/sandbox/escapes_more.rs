//! More of the design's escape attempts (§4), written differently from the first battery:
//! IPv6 and name-based (rebinding-style) reach of host loopback services, pathname UNIX
//! sockets and container-engine sockets, daemons and scheduled-job tricks that try to
//! survive the turn, and the CLIs' credential files. Run against every backend.

use std::io::Read as _;
use std::net::TcpListener;
use std::time::Duration;

use super::{Turn, lines, text};

const SECRET: &str = "SECRET-TOKEN-93b7d1";

#[test]
fn ipv6_names_resolving_to_loopback_and_unix_sockets_reach_nothing_on_the_host() {
    for turn in Turn::each() {
        let v4 = TcpListener::bind("127.0.0.1:0").expect("listen v4");
        let v6 = TcpListener::bind("[::1]:0").ok();
        let unix_path = turn.env.root().join("host.sock");
        let unix = std::os::unix::net::UnixListener::bind(&unix_path).expect("unix listen");
        for listener in [Some(&v4), v6.as_ref()].into_iter().flatten() {
            listener.set_nonblocking(true).expect("nonblocking");
        }
        unix.set_nonblocking(true).expect("nonblocking");
        let port4 = v4.local_addr().expect("addr").port();
        let port6 = v6.as_ref().map_or(port4, |listener| {
            listener.local_addr().expect("addr").port()
        });
        let script = format!(
            "import socket\n\
             def tcp(host, port):\n\
             \x20   try:\n\
             \x20       for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):\n\
             \x20           s = socket.socket(info[0], socket.SOCK_STREAM); s.settimeout(2); s.connect(info[4]); print('reached', host, port); return\n\
             \x20   except OSError as err: print('blocked', host, err)\n\
             tcp('localhost', {port4}); tcp('127.1', {port4}); tcp('0.0.0.0', {port4}); tcp('::1', {port6})\n\
             tcp('::ffff:127.0.0.1', {port4}); tcp('2001:db8::1', 443); tcp('169.254.169.254', 80)\n\
             for path in ['{unix}', '/run/podman/podman.sock', '/var/run/docker.sock', '/run/user/0/bus']:\n\
             \x20   try:\n\
             \x20       u = socket.socket(socket.AF_UNIX); u.connect(path); print('reached', path)\n\
             \x20   except OSError as err: print('blocked', path, err.errno)\n\
             print('done')\n",
            unix = unix_path.display()
        );
        let outcome = turn.run(&["python3", "-c", &script], &[]);
        let all = text(&outcome);
        assert_eq!(
            lines(&outcome).last().map(String::as_str),
            Some("done"),
            "{all}"
        );
        assert!(!all.contains("reached"), "{all}");
        std::thread::sleep(Duration::from_millis(100));
        for listener in [Some(&v4), v6.as_ref()].into_iter().flatten() {
            if let Ok((mut stream, _)) = listener.accept() {
                let mut buffer = Vec::new();
                let _ = stream.read_to_end(&mut buffer);
                panic!("a host listener was reached from the sandbox:\n{all}");
            }
        }
        assert!(
            unix.accept().is_err(),
            "the host UNIX socket was reached:\n{all}"
        );
    }
}

#[test]
fn daemons_and_scheduled_jobs_do_not_survive_the_turn() {
    for turn in Turn::each() {
        let marker = "2935.5";
        let script = format!(
            "import os, subprocess, time\n\
             if os.fork() == 0:\n\
             \x20   os.setsid()\n\
             \x20   if os.fork() == 0:\n\
             \x20       os.closerange(0, 3); os.execvp('sleep', ['sleep', '{marker}'])\n\
             \x20   os._exit(0)\n\
             subprocess.Popen(['sleep', '{marker}'], start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n\
             for cmd in ['echo \"* * * * * sleep {marker}\" | crontab -', 'echo sleep {marker} | at now + 1 minute',\n\
             \x20           'mkdir -p /etc/cron.d && echo x > /etc/cron.d/peers', 'systemd-run --user sleep {marker}',\n\
             \x20           'mkdir -p ~/.config/autostart && echo x > ~/.config/autostart/x.desktop']:\n\
             \x20   print(cmd.split()[0], subprocess.run(cmd, shell=True, capture_output=True).returncode)\n\
             time.sleep(0.3)\n\
             print('done')\n"
        );
        let outcome = turn.run(&["python3", "-c", &script], &[]);
        let all = text(&outcome);
        assert_eq!(
            lines(&outcome).last().map(String::as_str),
            Some("done"),
            "{all}"
        );
        assert!(!std::path::Path::new("/etc/cron.d/peers").exists(), "{all}");
        assert!(!turn.home().join(".config/autostart").exists(), "{all}");
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !super::sleepers(marker).is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            super::sleepers(marker).is_empty(),
            "a daemon survived the turn in {:?}:\n{all}",
            turn.backend
        );
    }
}

#[test]
fn the_cli_credential_files_and_the_orchestrators_environment_stay_out_of_reach() {
    for turn in Turn::each() {
        for file in [
            ".claude/.credentials.json",
            ".codex/auth.json",
            ".config/gh/hosts.yml",
            ".gemini/oauth_creds.json",
            ".local/share/opencode/auth.json",
        ] {
            let path = turn.home().join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
            std::fs::write(&path, SECRET).expect("credential");
        }
        let outcome = turn.sh(&format!(
            "cat ~/.claude/.credentials.json ~/.codex/auth.json ~/.config/gh/hosts.yml 2>&1; \
             ls -a ~ 2>&1; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c {SECRET}; \
             grep -rl {SECRET} ~ /tmp /run 2>/dev/null; echo done"
        ));
        let all = text(&outcome);
        assert_eq!(
            lines(&outcome).last().map(String::as_str),
            Some("done"),
            "{all}"
        );
        assert!(!all.contains(SECRET), "{all}");
        assert!(
            lines(&outcome).iter().any(|line| line == "0"),
            "environ grep: {all}"
        );
    }
}

#[cfg(target_arch = "x86_64")]
#[test]
fn io_uring_perf_userfaultfd_cross_process_memory_and_terminal_injection_are_denied() {
    for turn in Turn::each() {
        // x86_64 numbers: io_uring_setup 425, perf_event_open 298, userfaultfd 323,
        // process_vm_readv 310; ioctl 16 = 0x5412 TIOCSTI.
        let script = "import ctypes, os\n\
             libc = ctypes.CDLL(None, use_errno=True)\n\
             params = ctypes.create_string_buffer(120)\n\
             print('io_uring', libc.syscall(425, 8, params))\n\
             attr = ctypes.create_string_buffer(128)\n\
             print('perf', libc.syscall(298, attr, 0, -1, -1, 0))\n\
             print('userfaultfd', libc.syscall(323, 0))\n\
             print('vm_readv', libc.syscall(310, 1, None, 0, None, 0, 0))\n\
             try:\n\
             \x20   fd = os.open('/dev/tty', os.O_RDWR); print('tty-open')\n\
             \x20   c = ctypes.c_char(b'x'); print('tiocsti', libc.ioctl(fd, 0x5412, ctypes.byref(c)))\n\
             except OSError as err: print('no-tty', err.errno)\n\
             fd = os.memfd_create('x'); os.write(fd, open('/bin/true', 'rb').read())\n\
             print('memfd-exec', os.spawnv(os.P_WAIT, f'/proc/self/fd/{fd}', ['true']))\n\
             print('done')\n";
        let outcome = turn.run(&["python3", "-c", script], &[]);
        let all = text(&outcome);
        assert_eq!(
            lines(&outcome).last().map(String::as_str),
            Some("done"),
            "{all}"
        );
        for call in ["io_uring", "perf", "userfaultfd", "vm_readv"] {
            assert!(
                lines(&outcome).contains(&format!("{call} -1")),
                "{call} was allowed in {:?}:\n{all}",
                turn.backend
            );
        }
        assert!(!all.contains("tiocsti 0"), "{all}");
        // Running a memfd is allowed and gains nothing under no_new_privs.
        assert!(
            lines(&outcome).contains(&"memfd-exec 0".to_owned()),
            "{all}"
        );
    }
}
