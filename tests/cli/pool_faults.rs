//! The pool when things go wrong: a server that is down, refuses the password, offers no TLS or
//! never answers (scripted on 127.0.0.1 in the test); TLS modes against the tests' real server;
//! a pool lost mid-run, whose blueprints wait in the outbox.

use std::io::{Read, Write};
use std::net::TcpListener;

use crate::mock::{Mock, Reply};
use crate::pool::{init, tag, TestDb};
use crate::util::{code, numbered_library, text, Sandbox};

/// A server that accepts connections and handles each with `serve`.
fn scripted_server(serve: fn(std::net::TcpStream)) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    port
}

/// Answers no to TLS, then asks for a password and refuses it as PostgreSQL does.
fn refuses_the_password(mut stream: std::net::TcpStream) {
    let mut buf = [0u8; 4096];
    loop {
        let Ok(n) = stream.read(&mut buf) else { return };
        if n == 0 {
            return;
        }
        // SSLRequest: length 8, code 80877103.
        if n == 8 && buf[4..8] == [0x04, 0xd2, 0x16, 0x2f] {
            let _ = stream.write_all(b"N");
            continue;
        }
        if buf[0] == b'p' {
            let mut error = Vec::new();
            for (field, value) in [
                (b'S', "FATAL"),
                (b'C', "28P01"),
                (b'M', "password authentication failed for user \"dj\""),
            ] {
                error.push(field);
                error.extend_from_slice(value.as_bytes());
                error.push(0);
            }
            error.push(0);
            let mut message = vec![b'E'];
            message.extend_from_slice(&((error.len() + 4) as u32).to_be_bytes());
            message.extend_from_slice(&error);
            let _ = stream.write_all(&message);
            return;
        }
        // The startup message: ask for a password in clear text.
        let _ = stream.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 3]);
    }
}

/// Accepts and never says a word.
fn says_nothing(stream: std::net::TcpStream) {
    std::thread::sleep(std::time::Duration::from_secs(30));
    drop(stream);
}

#[test]
fn a_pool_that_is_down_refuses_or_never_answers_costs_one_line_and_no_secret() {
    let sb = Sandbox::new();
    sb.write("lib.xml", numbered_library(1..=3));
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refusing = scripted_server(refuses_the_password);
    let silent = scripted_server(says_nothing);
    for (port, sslmode, said) in [
        (closed, "prefer", "refused"),
        (refusing, "disable", "password authentication failed"),
        (refusing, "require", "TLS"),
        (silent, "disable", "no answer within 5 s"),
    ] {
        let url = format!("postgres://dj:hunter2@127.0.0.1:{port}/crew?sslmode={sslmode}");
        let (status, s, stderr) = tag(&sb, &Mock::ok(), &url);
        assert_eq!(status, 0, "{stderr}");
        assert!(s.get("pool").is_none() || s["pool"]["hits"] == 0, "{s}");
        let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("pool")).collect();
        assert_eq!(lines.len(), 1, "{sslmode} on {port}: {stderr}");
        assert!(
            lines[0].contains(said) && lines[0].contains("going on without it"),
            "{stderr}"
        );
        assert!(
            lines[0].contains("dj:***@") && !stderr.contains("hunter2"),
            "{stderr}"
        );
    }
    // --offline and retag never touch a pool.
    let out = sb
        .cmd()
        .env(
            "TAGGENIUS_POOL",
            format!("postgres://dj:hunter2@127.0.0.1:{closed}/crew"),
        )
        .args(["tag", "lib.xml", "--offline", "-q", "-o", "o.xml"])
        .output()
        .unwrap();
    assert!(!text(&out.stderr).contains("pool"), "{}", text(&out.stderr));
    let out = sb
        .cmd()
        .env(
            "TAGGENIUS_POOL",
            format!("postgres://dj:hunter2@127.0.0.1:{closed}/crew"),
        )
        .args(["retag", "lib.xml", "-q", "-o", "r.xml"])
        .output()
        .unwrap();
    assert!(!text(&out.stderr).contains("pool"), "{}", text(&out.stderr));
    // config show shows a pool as set, its password redacted.
    let out = sb
        .cmd()
        .env(
            "TAGGENIUS_POOL",
            format!("postgres://dj:hunter2@127.0.0.1:{closed}/crew"),
        )
        .args(["config", "show"])
        .output()
        .unwrap();
    let shown = text(&out.stdout);
    assert!(
        shown.contains("set: postgres://dj:***@127.0.0.1") && !shown.contains("hunter2"),
        "{shown}"
    );
}

#[test]
#[cfg_attr(
    not(postgres),
    ignore = "needs PostgreSQL (TAGGENIUS_TEST_DATABASE_URL, or 127.0.0.1:5432)"
)]
fn tls_modes_mean_what_they_mean_for_libpq() {
    let db = TestDb::new();
    let sb = Sandbox::new();
    init(&sb, &db.url);
    let with = |params: &str| {
        format!(
            "{}{}{params}",
            db.url,
            if db.url.contains('?') { "&" } else { "?" }
        )
    };
    // The tests' server speaks TLS where it has a certificate (Debian's snakeoil one).
    let snakeoil = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
    let tls_on =
        db.count("SELECT count(*) FROM pg_settings WHERE name = 'ssl' AND setting = 'on'") == 1;
    if !(tls_on && std::path::Path::new(snakeoil).exists()) {
        // CI's server always has it (Debian's postgresql package makes it); a laptop's may not.
        let required = std::env::var("TAGGENIUS_TEST_REQUIRE_PG").is_ok_and(|v| v == "1");
        assert!(!required, "the tests' server has no TLS with {snakeoil}");
        eprintln!("TLS cases left out: the tests' server has no TLS with {snakeoil}");
        return;
    }
    let out = sb.run(&["pool", "init", &with("sslmode=require")]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let out = sb.run(&[
        "pool",
        "init",
        &with(&format!("sslmode=verify-ca&sslrootcert={snakeoil}")),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    // Public authorities do not vouch for a self-signed certificate; nor is it 127.0.0.1's.
    let out = sb.run(&["pool", "init", &with("sslmode=verify-full")]);
    assert_eq!(code(&out), 1);
    assert!(
        text(&out.stderr).contains("UnknownIssuer"),
        "{}",
        text(&out.stderr)
    );
    // The test certificate names localhost, not 127.0.0.1: verify-full holds the name to it.
    let verify_full = with(&format!("sslmode=verify-full&sslrootcert={snakeoil}"));
    let out = sb.run(&["pool", "init", &verify_full]);
    assert_eq!(code(&out), 1);
    assert!(
        text(&out.stderr).contains("not valid for name"),
        "{}",
        text(&out.stderr)
    );
    let by_name = verify_full.replace("@127.0.0.1:", "@localhost:");
    let out = sb.run(&["pool", "init", &by_name]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
}

#[test]
#[cfg_attr(
    not(postgres),
    ignore = "needs PostgreSQL (TAGGENIUS_TEST_DATABASE_URL, or 127.0.0.1:5432)"
)]
fn blueprints_the_pool_did_not_take_wait_in_the_outbox() {
    let db = TestDb::new();
    let sb = Sandbox::new();
    init(&sb, &db.url);
    sb.write("lib.xml", numbered_library(1..=5));
    // The pool goes away while the model is asked: its connection is ended by the server.
    let admin = db.url.clone();
    let mock = Mock::start(std::time::Duration::ZERO, move |_, _| {
        let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        client
            .batch_execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'taggenius'")
            .unwrap();
        Reply::Ok
    });
    let (status, s, stderr) = tag(&sb, &mock, &db.url);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(s["fetched"], 5);
    assert!(
        stderr.contains("waits for the next run with a pool"),
        "{stderr}"
    );
    assert_eq!(db.count("SELECT count(*) FROM taggenius_blueprints"), 0);
    let out = sb.run(&["pool", "push", "--pool", &db.url]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(db.count("SELECT count(*) FROM taggenius_blueprints"), 5);
}
