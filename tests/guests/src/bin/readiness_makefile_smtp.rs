//! An SMTP-like conversation through `sock.makefile('rwb')` with a native
//! server: a greeting line, pipelined commands, a multi-line reply, a
//! message body larger than the write buffer, and end of stream after QUIT.
//! The original socket object is dropped first: the file keeps it open.
//! Args: HOST PORT
use capsock::{SOCK_STREAM, socket};
use capsock_test_guests::{arg, expect_err, family_of, report};
use std::io::{BufRead, Read, Write};

/// One reply line, without its CRLF.
fn reply(f: &mut capsock::SocketFile) -> String {
    let line = f.readline().unwrap();
    assert!(line.ends_with(b"\r\n"), "reply line without CRLF: {line:?}");
    String::from_utf8(line[..line.len() - 2].to_vec()).unwrap()
}

fn main() {
    let host: String = arg(0);
    let port: u16 = arg(1);
    let s = socket(family_of(&host), SOCK_STREAM, 0).unwrap();
    s.settimeout(Some(20.0)).unwrap();
    s.connect((host.as_str(), port)).unwrap();

    assert_eq!(expect_err(s.makefile("rwx"), "ValueError").to_string(), "invalid mode 'rwx' (only r, w, b allowed)");
    let mut ro = s.makefile("rb").unwrap();
    assert!(ro.write(b"x").is_err(), "a read-only file does not write");
    drop(ro);
    let mut f = s.makefile("rwb").unwrap();
    assert_eq!(f.mode(), "rwb");
    // The file holds the socket: dropping the original object leaves it open.
    drop(s);

    let greeting = reply(&mut f);
    assert!(greeting.starts_with("220 "), "{greeting}");
    report("greeting", &greeting);

    // EHLO: a multi-line reply, read with BufRead's read_line.
    f.write_all(b"EHLO guest.example\r\n").unwrap();
    f.flush().unwrap();
    let mut extensions = Vec::new();
    loop {
        let mut line = String::new();
        assert!(f.read_line(&mut line).unwrap() > 0, "EOF in EHLO reply");
        let line = line.trim_end().to_string();
        assert!(line.starts_with("250"), "{line}");
        extensions.push(line[4..].to_string());
        if line.as_bytes()[3] == b' ' {
            break;
        }
    }
    report("extensions", extensions.join(","));

    // Pipelined: three commands in one flush, three replies.
    write!(f, "MAIL FROM:<guest@example>\r\nRCPT TO:<a@example>\r\nRCPT TO:<b@example>\r\n").unwrap();
    f.flush().unwrap();
    for _ in 0..3 {
        assert_eq!(reply(&mut f), "250 OK");
    }

    // DATA: a body larger than the write buffer goes out in pieces.
    f.write_all(b"DATA\r\n").unwrap();
    f.flush().unwrap();
    assert!(reply(&mut f).starts_with("354 "));
    let mut body = 0usize;
    for i in 0..400 {
        let line = format!("line {i:03} of a message that is longer than one buffer\r\n");
        f.write_all(line.as_bytes()).unwrap();
        body += line.len();
    }
    f.write_all(b".\r\n").unwrap();
    f.flush().unwrap();
    let queued = reply(&mut f);
    assert_eq!(queued, format!("250 OK queued {body} bytes"));
    report("body", body);

    // readline with a limit stops at it; read_exact gets the rest.
    f.write_all(b"NOOP\r\n").unwrap();
    f.flush().unwrap();
    assert_eq!(f.readline_limit(3).unwrap(), b"250");
    let mut rest = [0u8; 5];
    f.read_exact(&mut rest).unwrap();
    assert_eq!(&rest, b" OK\r\n");

    f.write_all(b"QUIT\r\n").unwrap();
    f.flush().unwrap();
    assert!(reply(&mut f).starts_with("221 "));
    assert_eq!(f.readline().unwrap(), b"", "end of stream after QUIT");
    f.close().unwrap();
    assert!(f.closed());
    assert_eq!(expect_err(f.readline(), "ValueError").to_string(), "readline of closed file");
    report("quit", "ok");
}
