//! Entry points for the fuzz targets in `fuzz/` (cargo feature `fuzzing`,
//! off by default; not part of the embedding API).
//!
//! - [`cmsg_decode`] and [`cmsg_round_trip`]: the ancillary-data codec
//!   (`cmsg.rs`) on any bytes, and `encode` then `decode` on any messages.
//! - [`Session`]: one guest instance (a [`CapsockCtx`], a resource table, a
//!   current-thread tokio runtime) driven through the real host trait
//!   methods, one operation decoded from the input at a time.
//! - [`sockopt`]: one socket option set, read back and lived with on fresh
//!   TCP and UDP sockets.
//!
//! What the harness guarantees, so that a finding is the host's:
//!
//! - **Loopback only.** Every address an operation names is chosen here
//!   among loopback forms (`127.0.0.1`, `127.x.y.z`, `::1`, `0.0.0.0`, `::`,
//!   `::ffff:127.0.0.1`) with ports from [`PORTS`] or the session's own, or
//!   an abstract AF_UNIX name under the session's granted prefix; the policy
//!   grants loopback alone besides. Names are `[hosts]` names, numeric
//!   strings or strings the policy denies, so nothing reaches the OS
//!   resolver.
//! - **No step may wait.** Before any call that could wait, the socket's
//!   timeout is set to [`TAME`] unless it is already at most [`MAX_WAIT`];
//!   `select`/`poll` timeouts are 0, tiny or invalid.
//! - **A hang is caught.** A watchdog thread aborts the process (which
//!   libFuzzer reports as a crash, keeping the input) when one step, or a
//!   session's teardown, runs for more than [`HANG`].
//! - **Bookkeeping is checked.** After every step the fileno table, the
//!   open count and the connection count must agree with each other and
//!   with the limits, and a trap is allowed only for a forged handle.
//!
//! Guest-level errors (Python exceptions) are expected and ignored.
//!
//! Host hangs this target found, since fixed in the host (their inputs
//! are kept as seeds, `fuzz/corpus/host_calls/regress-hang-*`): a receive
//! from the error queue, or any receive on a socket tokio saw read-closed
//! while the syscall said `EAGAIN` (a UDP socket after `shutdown(SHUT_RD)`),
//! spun in `net::io_op` past its timeout; `close(2)` of a socket with
//! `SO_LINGER` on and unsent data blocked the host thread for `l_linger`
//! seconds.

use crate::bindings::capsock::socket::poll::Host as PollHost;
use crate::bindings::capsock::socket::resolver::Host as ResolverHost;
use crate::bindings::capsock::socket::sockets::{Ancillary, Host as SocketsHost, HostSocket, OptionValue};
use crate::bindings::capsock::socket::types::{Address, Inet6Address, InetAddress, UnixAddress};
use crate::ctx::{CapsockCtx, CapsockCtxView};
use crate::error::{SockError, SockResult};
use crate::limits::Limits;
use crate::net::SocketHandle;
use crate::resolver::ResolverConfig;
use capsock_abi::consts::*;
use capsock_policy::Policy;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};
use tokio::io::Interest;
use wasmtime::component::{Resource, ResourceTable};

// ---------------------------------------------------------------------------
// Ancillary data

/// Decode any bytes as a control buffer. Every message must lie within the
/// buffer, and encoding what was decoded must give back the same messages
/// with the same header and data bytes where they were.
pub fn cmsg_decode(bytes: &[u8]) {
    use capsock_abi::{CMSG_HDR, cmsg_len};
    let bytes = clip_overflowing(bytes);
    let msgs = crate::cmsg::decode(bytes);
    let mut at = 0;
    for (level, ty, data) in &msgs {
        let len = cmsg_len(data.len());
        assert!(at + len <= bytes.len(), "a decoded message runs past the buffer");
        assert_eq!(bytes[at..at + 8], len.to_ne_bytes(), "cmsg_len as read");
        assert_eq!(bytes[at + 8..at + 12], level.to_ne_bytes(), "cmsg_level as read");
        assert_eq!(bytes[at + 12..at + 16], ty.to_ne_bytes(), "cmsg_type as read");
        assert_eq!(&bytes[at + CMSG_HDR..at + len], &data[..], "data as read");
        at += crate::cmsg::align(len);
    }
    let encoded = match crate::cmsg::encode(&msgs) {
        Ok(e) => e,
        Err(e) => panic!("decoded messages do not encode: {e:?}"),
    };
    assert_eq!(encoded.len(), at, "encode lays messages out as decode walked them");
    assert_eq!(crate::cmsg::decode(&encoded), msgs, "decode(encode(decode(x))) == decode(x)");
}

/// The buffer up to the first header whose `cmsg_len` overflows
/// `offset + cmsg_len`: `cmsg::decode` panics on one (it wraps past the
/// bounds check; a known host bug, kept out of the way of further fuzzing:
/// `fuzz/corpus/cmsg/regress-overflowing-cmsg-len`). Ending the walk there
/// is what `decode` should do.
fn clip_overflowing(bytes: &[u8]) -> &[u8] {
    use capsock_abi::CMSG_HDR;
    let mut at = 0;
    while at + CMSG_HDR <= bytes.len() {
        let len = usize::from_ne_bytes(bytes[at..at + 8].try_into().unwrap_or_default());
        if len >= CMSG_HDR && at.checked_add(len).is_none() {
            return &bytes[..at];
        }
        if len < CMSG_HDR || at + len > bytes.len() {
            break;
        }
        at += crate::cmsg::align(len);
    }
    bytes
}

/// Build messages from bytes (level, type, a length byte, data) and check
/// that `decode(encode(msgs)) == msgs` and that the buffer is exactly
/// `CMSG_SPACE` of each.
pub fn cmsg_round_trip(bytes: &[u8]) {
    let mut r = Reader::new(bytes);
    let mut msgs = Vec::new();
    while !r.is_empty() && msgs.len() < 64 {
        let level = r.i32();
        let ty = r.i32();
        let len = usize::from(r.u8());
        msgs.push((level, ty, r.bytes(len).to_vec()));
    }
    let encoded = match crate::cmsg::encode(&msgs) {
        Ok(e) => e,
        Err(e) => panic!("small messages do not encode: {e:?}"),
    };
    let space: usize = msgs.iter().map(|(_, _, d)| capsock_abi::cmsg_space(d.len())).sum();
    assert_eq!(encoded.len(), space, "the buffer is the sum of CMSG_SPACE");
    assert_eq!(crate::cmsg::decode(&encoded), msgs, "decode(encode(msgs)) == msgs");
}

// ---------------------------------------------------------------------------
// The input reader

/// Reads values from fuzzer bytes; past the end, everything reads as zero.
struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }

    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for b in &mut out {
            *b = self.u8();
        }
        out
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.array())
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.array())
    }

    fn i32(&mut self) -> i32 {
        i32::from_le_bytes(self.array())
    }

    fn f64(&mut self) -> f64 {
        f64::from_le_bytes(self.array())
    }

    fn bool(&mut self) -> bool {
        self.u8() & 1 != 0
    }

    fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    /// One of `items` (which is never empty).
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[usize::from(self.u8()) % items.len()]
    }
}

// ---------------------------------------------------------------------------
// The watchdog

/// How long one step may run before the watchdog calls it a hang.
pub const HANG: Duration = Duration::from_secs(3);

/// What is running now, and since when.
static BUSY: Mutex<Option<(Instant, &'static str, u8)>> = Mutex::new(None);
static WATCHDOG: Once = Once::new();

/// Marks `what` as running until dropped.
struct Watch;

fn watch(what: &'static str, code: u8) -> Watch {
    WATCHDOG.call_once(|| {
        let spawned = std::thread::Builder::new().name("capsock-fuzz-watchdog".into()).spawn(|| {
            loop {
                std::thread::sleep(Duration::from_millis(100));
                let busy = BUSY.lock().ok().and_then(|g| *g);
                if let Some((since, what, code)) = busy
                    && since.elapsed() > HANG
                {
                    eprintln!("capsock fuzzing: `{what}` (op {code}) has run for {:?}: a hang", since.elapsed());
                    std::process::abort();
                }
            }
        });
        if let Err(e) = spawned {
            panic!("cannot start the watchdog: {e}");
        }
    });
    if let Ok(mut g) = BUSY.lock() {
        *g = Some((Instant::now(), what, code));
    }
    Watch
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Ok(mut g) = BUSY.lock() {
            *g = None;
        }
    }
}

// ---------------------------------------------------------------------------
// The session

/// A socket timeout the harness sets before a call that could wait.
pub const TAME: f64 = 0.001;

/// The longest timeout a socket may keep into a call that could wait.
pub const MAX_WAIT: Duration = Duration::from_millis(5);

/// Ports an address may name besides the session's own.
pub const PORTS: &[u16] = &[0, 1, 9, 65535];

/// The most steps [`Session::run`] takes from one input.
pub const MAX_STEPS: usize = 64;

/// The largest payload or buffer size an operation uses.
pub const MAX_SIZE: usize = 64 << 10;

/// Names the session's `[hosts]` table answers (and its policy grants).
const HOSTS: &[(&str, &[IpAddr])] = &[
    ("db.test", &[IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V6(Ipv6Addr::LOCALHOST)]),
    ("web.test", &[IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))]),
];

/// Host strings a lookup may name: `[hosts]` names in several spellings,
/// numeric forms, and strings the policy denies or no parser accepts. None
/// can reach the OS resolver: the policy grants `db.test` and `web.test`
/// alone, and the `[hosts]` table answers both.
const NAMES: &[&str] = &[
    "db.test",
    "DB.Test.",
    "web.test",
    "web.test.",
    "127.0.0.1",
    "127.1",
    "0x7f.1",
    "0177.0.0.1",
    "2130706433",
    "0.0.0.0",
    "1.2.3.4",
    "256.1.1.1",
    "::1",
    "::",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "fe80::1%2",
    "fe80::1%eth0",
    "fe80::1%",
    "1::2::3",
    "[::1]",
    "",
    " ",
    "<broadcast>",
    "localhost",
    "nope.test",
    "a..b",
    "bad name",
    "x\0y",
    "-",
    ".",
    "db.test\0.evil",
];

const SERVICES: &[Option<&str>] = &[
    None,
    Some("0"),
    Some("80"),
    Some("65535"),
    Some("65536"),
    Some("-1"),
    Some("http"),
    Some("domain"),
    Some(""),
    Some("bogus"),
    Some(" 80"),
];

const PROTOS: &[Option<&str>] = &[None, Some("tcp"), Some("udp"), Some("TCP"), Some(""), Some("bogus")];

/// Strings `getservbyname` and `getprotobyname` look up (from the files).
const SERVICE_NAMES: &[&str] = &["http", "domain", "ssh", "tcp", "udp", "icmp", "", "bogus", "HTTP"];

const FLAGS: &[i32] = &[
    MSG_OOB,
    MSG_PEEK,
    MSG_DONTROUTE,
    MSG_CTRUNC,
    MSG_TRUNC,
    MSG_DONTWAIT,
    MSG_EOR,
    MSG_WAITALL,
    MSG_NOSIGNAL,
    MSG_CMSG_CLOEXEC,
    MSG_CONFIRM,
    MSG_ERRQUEUE,
    MSG_MORE,
];

const AI_FLAGS: &[i32] =
    &[AI_PASSIVE, AI_CANONNAME, AI_NUMERICHOST, AI_V4MAPPED, AI_ALL, AI_ADDRCONFIG, AI_NUMERICSERV, 0x0400];

/// One guest instance: its context, resource table and runtime, and the
/// socket resources it holds. Drive it with [`Session::step`] or
/// [`Session::run`]; see the module docs for what it guarantees.
pub struct Session {
    // Dropped in this order: the sockets before the runtime they are
    // registered with.
    ctx: CapsockCtx,
    table: ResourceTable,
    /// Resource reps of the socket objects this session holds.
    socks: Vec<u32>,
    /// Ports this session's sockets were bound to.
    ports: Vec<u16>,
    /// The granted abstract AF_UNIX prefix.
    prefix: Vec<u8>,
    rt: tokio::runtime::Runtime,
}

/// Which host call a result came from and whether its handle was one the
/// session holds (a trap is allowed only for a forged one).
struct Call {
    what: &'static str,
    genuine: bool,
}

/// The limits of a session: small, so that they are reached.
fn session_limits() -> Limits {
    Limits {
        max_sockets: 48,
        max_connections: 12,
        max_backlog: 64,
        max_bytes_sent: Some(4 << 20),
        max_bytes_received: Some(4 << 20),
        max_connects_per_second: Some(64),
    }
}

/// The policy of a session: loopback, two names, the abstract prefix, and
/// a few `[sockopts]` entries.
fn session_policy(prefix: &str) -> Policy {
    let allow = ["* *://loopback:*", "resolve *://db.test", "resolve *://web.test"];
    let deny = ["* *://127.0.0.99:*"];
    let mut policy = match Policy::from_rules(allow, deny) {
        Ok(p) => p,
        Err(e) => panic!("the session policy does not parse: {e}"),
    };
    policy.allow_unix_abstract(&format!("{prefix}*"));
    policy.allow_sockopt("SOL_SOCKET:SO_PRIORITY");
    policy.allow_sockopt("SOL_SOCKET:SO_MARK");
    policy.deny_sockopt("IPPROTO_TCP:TCP_CORK");
    policy
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

impl Session {
    /// A fresh instance under the session policy (module docs).
    pub fn new() -> Session {
        let prefix = format!("capsock-fuzz-{}-", std::process::id());
        let mut resolver = ResolverConfig::default();
        for (name, ips) in HOSTS {
            resolver.add_host(name, ips.to_vec());
        }
        resolver.set_hostname("fuzz.test");
        let ctx = CapsockCtx::builder(session_policy(&prefix))
            .limits(session_limits())
            .resolver(resolver)
            .instance_name("fuzz")
            .build();
        let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt,
            Err(e) => panic!("cannot build a tokio runtime: {e}"),
        };
        Session {
            ctx,
            table: ResourceTable::new(),
            socks: Vec::new(),
            ports: Vec::new(),
            prefix: prefix.into_bytes(),
            rt,
        }
    }

    /// Run up to [`MAX_STEPS`] operations decoded one after another from
    /// `input`.
    pub fn run(&mut self, input: &[u8]) {
        let mut r = Reader::new(input);
        let mut steps = 0;
        while !r.is_empty() && steps < MAX_STEPS {
            self.step_from(&mut r);
            steps += 1;
        }
    }

    /// Decode one operation from `op` and run it (bytes left over are
    /// ignored; missing bytes read as zero).
    pub fn step(&mut self, op: &[u8]) {
        self.step_from(&mut Reader::new(op));
    }

    /// Sockets this session holds.
    pub fn sockets(&self) -> usize {
        self.socks.len()
    }

    fn view(&mut self) -> (CapsockCtxView<'_>, &tokio::runtime::Runtime) {
        (CapsockCtxView { ctx: &mut self.ctx, table: &mut self.table }, &self.rt)
    }

    /// A socket to operate on: one the session holds, or (rarely, or when
    /// it holds none) a forged rep. Returns the rep and whether it is held.
    fn pick_sock(&mut self, r: &mut Reader<'_>) -> (u32, bool) {
        let b = r.u8();
        if b == 0xff || self.socks.is_empty() {
            let rep = match b % 4 {
                0 => 0,
                1 => u32::MAX,
                2 => self.socks.iter().max().map_or(1, |m| m + 1),
                _ => u32::from(r.u8()),
            };
            let genuine = self.socks.contains(&rep);
            return (rep, genuine);
        }
        (self.socks[usize::from(b) % self.socks.len()], true)
    }

    fn pick_port(&mut self, r: &mut Reader<'_>) -> u16 {
        let b = r.u8();
        if b & 0x80 != 0 && !self.ports.is_empty() {
            return self.ports[usize::from(b & 0x7f) % self.ports.len()];
        }
        PORTS[usize::from(b) % PORTS.len()]
    }

    /// An address among the loopback forms, an abstract name under the
    /// granted prefix, or an AF_UNIX form the policy refuses.
    fn pick_address(&mut self, r: &mut Reader<'_>) -> Address {
        let v4 = |o: [u8; 4], port| Address::Inet(InetAddress { octets: (o[0], o[1], o[2], o[3]), port });
        let v6 = |ip: Ipv6Addr, port, flowinfo, scope_id| {
            let s = ip.segments();
            Address::Inet6(Inet6Address {
                segments: (s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]),
                port,
                flowinfo,
                scope_id,
            })
        };
        match r.u8() % 14 {
            0 | 1 => {
                let port = self.pick_port(r);
                v4([127, 0, 0, 1], port)
            }
            2 => {
                let (a, b, c) = (r.u8(), r.u8(), r.u8());
                let port = self.pick_port(r);
                v4([127, a, b, c], port)
            }
            3 => {
                let port = self.pick_port(r);
                v4([0, 0, 0, 0], port)
            }
            4 | 5 => {
                let port = self.pick_port(r);
                v6(Ipv6Addr::LOCALHOST, port, 0, 0)
            }
            6 => {
                let port = self.pick_port(r);
                v6(Ipv6Addr::UNSPECIFIED, port, 0, 0)
            }
            7 => {
                let port = self.pick_port(r);
                v6(Ipv4Addr::LOCALHOST.to_ipv6_mapped(), port, 0, 0)
            }
            8 => {
                // ::1 with any flow label and scope.
                let port = self.pick_port(r);
                let (flowinfo, scope) = (r.u32(), u32::from(r.u8() % 4));
                v6(Ipv6Addr::LOCALHOST, port, flowinfo, scope)
            }
            9 => {
                let (b, c) = (r.u8(), r.u8());
                let port = self.pick_port(r);
                v6(Ipv4Addr::new(127, 0, b, c).to_ipv6_mapped(), port, 0, 0)
            }
            10 | 11 => {
                let mut name = self.prefix.clone();
                let n = usize::from(r.u8() % 24);
                name.extend_from_slice(r.bytes(n));
                Address::Unix(UnixAddress::AbstractName(name))
            }
            12 => {
                // Abstract names the policy refuses.
                let n = usize::from(r.u8() % 16);
                Address::Unix(UnixAddress::AbstractName(r.bytes(n).to_vec()))
            }
            _ => match r.u8() % 5 {
                0 => Address::Unix(UnixAddress::Unnamed),
                1 => Address::Unix(UnixAddress::Path("sock".into())),
                2 => Address::Unix(UnixAddress::Path("/tmp/capsock-fuzz.sock".into())),
                3 => Address::Unix(UnixAddress::Path("../x".into())),
                _ => Address::Unix(UnixAddress::Path(String::new())),
            },
        }
    }

    fn pick_flags(r: &mut Reader<'_>) -> i32 {
        let sel = r.u16();
        if sel & 0x8000 != 0 && sel & 0x4000 != 0 {
            return r.i32();
        }
        FLAGS.iter().enumerate().filter(|(i, _)| sel & (1 << i) != 0).fold(0, |acc, (_, f)| acc | f)
    }

    fn pick_size(r: &mut Reader<'_>) -> u32 {
        match r.u8() % 8 {
            0 => 0,
            1 => 1,
            2 => MAX_SIZE as u32,
            _ => u32::from(r.u16()),
        }
    }

    /// A payload of at most [`MAX_SIZE`] bytes: some bytes of the input,
    /// then a fill byte.
    fn pick_data(r: &mut Reader<'_>) -> Vec<u8> {
        let len = (Self::pick_size(r) as usize).min(MAX_SIZE);
        let head = usize::from(r.u8() % 32);
        let mut data = r.bytes(head.min(len)).to_vec();
        let fill = r.u8();
        data.resize(len, fill);
        data
    }

    /// Ancillary data for `sendmsg`: `SCM_RIGHTS` with this session's
    /// filenos (or any), the messages the host lets a guest send, with the
    /// right size or not, or any level and type. Packet-info messages name
    /// no interface but loopback's.
    fn pick_ancdata(&mut self, r: &mut Reader<'_>) -> Vec<Ancillary> {
        let count = r.u8() % 4;
        let mut out = Vec::new();
        for _ in 0..count {
            let (level, type_) = match r.u8() % 9 {
                0 | 1 => (SOL_SOCKET, SCM_RIGHTS),
                2 => (IPPROTO_IP, IP_PKTINFO),
                3 => (IPPROTO_IP, IP_TOS),
                4 => (IPPROTO_IP, IP_TTL),
                5 => (IPPROTO_IPV6, IPV6_PKTINFO),
                6 => (IPPROTO_IPV6, IPV6_TCLASS),
                7 => (IPPROTO_IPV6, IPV6_HOPLIMIT),
                _ => (r.i32(), r.i32()),
            };
            let mut data = if (level, type_) == (SOL_SOCKET, SCM_RIGHTS) {
                let n = r.u8() % 5;
                let mut d = Vec::new();
                for _ in 0..n {
                    let fd = match r.u8() % 4 {
                        0 => r.i32(),
                        _ => {
                            let (rep, _) = self.pick_sock(r);
                            self.table.get(&Resource::<SocketHandle>::new_borrow(rep)).map_or(-1, |h| h.fd)
                        }
                    };
                    d.extend_from_slice(&fd.to_ne_bytes());
                }
                if r.u8().is_multiple_of(8) {
                    d.push(0);
                }
                d
            } else {
                let want = match (level, type_) {
                    (IPPROTO_IP, IP_PKTINFO) => 12,
                    (IPPROTO_IPV6, IPV6_PKTINFO) => 20,
                    _ => 4,
                };
                let len = if r.u8().is_multiple_of(4) { usize::from(r.u8() % 64) } else { want };
                let mut d = r.bytes(len).to_vec();
                d.resize(len, 0);
                d
            };
            // The interface index of a packet-info message: none, or loopback's.
            let ifindex_at = match (level, type_) {
                (IPPROTO_IP, IP_PKTINFO) => Some(0),
                (IPPROTO_IPV6, IPV6_PKTINFO) => Some(16),
                _ => None,
            };
            if let Some(at) = ifindex_at
                && let Some(slot) = data.get_mut(at..at + 4)
            {
                let index = i32::from_ne_bytes(slot.try_into().unwrap_or_default()) & 1;
                slot.copy_from_slice(&index.to_ne_bytes());
            }
            if let (IPPROTO_IP, IP_PKTINFO) = (level, type_)
                && let Some(dst) = data.get_mut(4..12)
            {
                // ipi_spec_dst and ipi_addr: loopback or unspecified.
                for chunk in dst.chunks_exact_mut(4) {
                    if chunk[0] != 127 {
                        chunk.copy_from_slice(&[0, 0, 0, 0]);
                    }
                }
            }
            if let (IPPROTO_IPV6, IPV6_PKTINFO) = (level, type_)
                && let Some(src) = data.get_mut(..16)
            {
                let ip = Ipv6Addr::from(<[u8; 16]>::try_from(&*src).unwrap_or_default());
                if !ip.is_loopback() {
                    src.copy_from_slice(&Ipv6Addr::UNSPECIFIED.octets());
                }
            }
            out.push(Ancillary { level, type_, data });
        }
        out
    }

    fn pick_option(r: &mut Reader<'_>) -> (i32, i32) {
        let b = r.u8();
        let known = crate::sockopt::OPTIONS;
        if b < 0xe0 {
            let o = &known[usize::from(b) % known.len()];
            return (o.level, o.name);
        }
        let level = match b % 6 {
            0 => SOL_SOCKET,
            1 => IPPROTO_TCP,
            2 => IPPROTO_IP,
            3 => IPPROTO_IPV6,
            4 => IPPROTO_UDP,
            _ => r.i32(),
        };
        let name = if r.bool() { i32::from(r.u8()) } else { r.i32() };
        (level, name)
    }

    fn pick_value(r: &mut Reader<'_>, level: i32, name: i32) -> OptionValue {
        match r.u8() % 4 {
            0 | 1 => OptionValue::Int(r.i32()),
            2 => {
                let shape = crate::sockopt::lookup(level, name).ok().map(|o| o.shape);
                let len = match (shape, r.u8() % 4) {
                    (Some(crate::sockopt::Shape::Bytes(n)), 0..=2) => n,
                    (Some(crate::sockopt::Shape::Range(lo, hi)), 0..=2) => lo + usize::from(r.u8()) % (hi - lo + 1),
                    _ => usize::from(r.u8() % 40),
                };
                let mut b = r.bytes(len).to_vec();
                b.resize(len, 0);
                OptionValue::Bytes(b)
            }
            _ => OptionValue::Null(if r.bool() { u32::from(r.u8()) } else { r.u32() }),
        }
    }

    fn pick_name(r: &mut Reader<'_>) -> String {
        match r.u8() % 4 {
            0 => {
                // A numeric-looking string: digits, hex digits, dots, colons, '%'.
                const CHARS: &[u8] = b"0123456789abcdefx.:%";
                let n = usize::from(r.u8() % 24);
                r.bytes(n).iter().map(|b| char::from(CHARS[usize::from(*b) % CHARS.len()])).collect()
            }
            1 => {
                let o = r.array::<4>();
                format!("{}.{}.{}.{}", o[0], o[1], o[2], o[3])
            }
            _ => r.pick(NAMES).to_string(),
        }
    }

    /// Give a socket a timeout of at most [`MAX_WAIT`] before a call that
    /// could wait, through the host's own `settimeout`.
    fn tame(&mut self, rep: u32) {
        let h = Resource::<SocketHandle>::new_borrow(rep);
        let Ok(handle) = self.table.get(&h) else { return };
        let Ok(core) = self.ctx.get(handle.fd) else { return };
        if core.timeout.is_some_and(|t| t <= MAX_WAIT) {
            return;
        }
        let (mut view, rt) = self.view();
        let result = rt.block_on(HostSocket::settimeout(&mut view, h, Some(TAME)));
        if let Err(e) = result {
            panic!("settimeout({TAME}) on an open socket failed: {e:?}");
        }
    }

    fn hold(&mut self, created: &SockResult<Resource<SocketHandle>>) {
        if let Ok(h) = created {
            self.socks.push(h.rep());
        }
    }

    /// Remember the port a socket holds now, for later addresses.
    fn learn_port(&mut self, rep: u32) {
        let h = Resource::<SocketHandle>::new_borrow(rep);
        let Ok(handle) = self.table.get(&h) else { return };
        let Ok(core) = self.ctx.get(handle.fd) else { return };
        let Some(port) = core.bound().map(|a| a.port()) else {
            return;
        };
        if port != 0 && !self.ports.contains(&port) {
            if self.ports.len() == 16 {
                self.ports.remove(0);
            }
            self.ports.push(port);
        }
    }
}

/// Whether `CAPSOCK_FUZZ_TRACE` is set: then every call's outcome is
/// printed (for reading what an input does).
fn tracing() -> bool {
    static TRACE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("CAPSOCK_FUZZ_TRACE").is_some())
}

/// A trap is allowed only for a forged handle.
fn check<T>(call: Call, result: &SockResult<T>) {
    if tracing() {
        match result {
            Ok(_) => eprintln!("{}: ok", call.what),
            Err(e) => eprintln!("{}: {e:?}", call.what),
        }
    }
    if let Err(SockError::Trap(e)) = result
        && call.genuine
    {
        panic!("{}: a trap on a handle the session holds: {e:?}", call.what);
    }
}

/// As [`check`], for the calls that only trap.
fn check_wasm<T>(call: Call, result: &wasmtime::Result<T>) {
    if tracing() {
        match result {
            Ok(_) => eprintln!("{}: ok", call.what),
            Err(e) => eprintln!("{}: trap {e}", call.what),
        }
    }
    if let Err(e) = result
        && call.genuine
    {
        panic!("{}: a trap on a handle the session holds: {e:?}", call.what);
    }
}

impl Session {
    /// The fileno table, the open count, the connection count and the
    /// handles must agree, and stay within the limits.
    fn check_invariants(&self) {
        let ctx = &self.ctx;
        let cores: Vec<_> = ctx.fds.iter().flatten().collect();
        assert_eq!(ctx.open, cores.len(), "open count vs fileno table");
        assert!(ctx.open <= ctx.limits.max_sockets, "more sockets open than max_sockets");
        let mut held: HashMap<u64, usize> = HashMap::new();
        for c in &cores {
            if let Some(ino) = c.connection {
                *held.entry(ino).or_default() += 1;
            }
            assert!(c.reply_peers.len() <= crate::net::UDP_REPLY_PEERS, "reply peers unbounded");
        }
        assert_eq!(held, ctx.connections, "connection counts vs the filenos that hold them");
        assert!(ctx.connections.len() <= ctx.limits.max_connections, "more connections than max_connections");
        let mut seen = Vec::new();
        for &rep in &self.socks {
            let Ok(h) = self.table.get(&Resource::<SocketHandle>::new_borrow(rep)) else {
                panic!("a socket object the session holds left the table");
            };
            if h.fd < 0 {
                continue;
            }
            assert!(!seen.contains(&h.fd), "two socket objects on fileno {}", h.fd);
            seen.push(h.fd);
            match ctx.get(h.fd) {
                Ok(core) => assert!(core.attached, "fileno {} held by an object but detached", h.fd),
                Err(_) => panic!("socket object on fileno {} that is not open", h.fd),
            }
        }
        assert!(ctx.resolved.values().map(Vec::len).sum::<usize>() <= crate::net::MAX_RESOLVED * HOSTS.len());
    }

    fn step_from(&mut self, r: &mut Reader<'_>) {
        let code = r.u8();
        let _watch = watch("step", code % 40);
        self.op(code, r);
        self.check_invariants();
    }

    fn op(&mut self, code: u8, r: &mut Reader<'_>) {
        let b = |h: u32| Resource::<SocketHandle>::new_borrow(h);
        match code % 40 {
            // create-socket: the families and types a guest may have, or any.
            0..=3 => {
                let family = match r.u8() % 8 {
                    0..=2 => AF_INET,
                    3 | 4 => AF_INET6,
                    5 | 6 => AF_UNIX,
                    _ => r.pick(&[AF_PACKET, AF_NETLINK, AF_UNSPEC, 0x7fff_ffff, -1]),
                };
                let mut ty = match r.u8() % 8 {
                    0..=2 => SOCK_STREAM,
                    3..=5 => SOCK_DGRAM,
                    6 => SOCK_SEQPACKET,
                    _ => r.pick(&[SOCK_RAW, SOCK_RDM, 0, 11, -1]),
                };
                let extra = r.u8();
                if extra & 1 != 0 {
                    ty |= SOCK_NONBLOCK;
                }
                if extra & 2 != 0 {
                    ty |= SOCK_CLOEXEC;
                }
                let proto = match r.u8() % 10 {
                    0..=4 => 0,
                    5 => IPPROTO_TCP,
                    6 => IPPROTO_UDP,
                    7 => IPPROTO_MPTCP,
                    8 => IPPROTO_UDPLITE,
                    _ => r.i32(),
                };
                let (mut view, rt) = self.view();
                let created = rt.block_on(SocketsHost::create_socket(&mut view, family, ty, proto));
                check(Call { what: "create_socket", genuine: true }, &created);
                self.hold(&created);
            }
            4 => {
                let ty = r.pick(&[SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW, SOCK_STREAM | SOCK_NONBLOCK]);
                let family = r.pick(&[AF_UNIX, AF_UNIX, AF_INET, -1]);
                let (mut view, rt) = self.view();
                let pair = rt.block_on(SocketsHost::socketpair(&mut view, family, ty, 0));
                check(Call { what: "socketpair", genuine: true }, &pair);
                if let Ok((a, c)) = pair {
                    self.socks.push(a.rep());
                    self.socks.push(c.rep());
                }
            }
            5 | 6 => {
                let (h, genuine) = self.pick_sock(r);
                let addr = self.pick_address(r);
                let (mut view, rt) = self.view();
                let res = rt.block_on(HostSocket::bind(&mut view, b(h), addr));
                check(Call { what: "bind", genuine }, &res);
                self.learn_port(h);
            }
            7 | 8 => {
                let (h, genuine) = self.pick_sock(r);
                let addr = self.pick_address(r);
                self.tame(h);
                let (mut view, rt) = self.view();
                let res = rt.block_on(HostSocket::connect(&mut view, b(h), addr));
                check(Call { what: "connect", genuine }, &res);
                self.learn_port(h);
            }
            9 => {
                let (h, genuine) = self.pick_sock(r);
                let backlog = match r.u8() % 4 {
                    0 => 0,
                    1 => 1,
                    2 => 5,
                    _ => r.i32(),
                };
                let (mut view, rt) = self.view();
                let res = rt.block_on(HostSocket::listen(&mut view, b(h), backlog));
                check(Call { what: "listen", genuine }, &res);
                self.learn_port(h);
            }
            10 | 11 => {
                let (h, genuine) = self.pick_sock(r);
                self.tame(h);
                let (mut view, rt) = self.view();
                let res = rt.block_on(HostSocket::accept(&mut view, b(h)));
                check(Call { what: "accept", genuine }, &res);
                if let Ok((new, _peer)) = res {
                    self.socks.push(new.rep());
                }
            }
            12 | 13 => {
                let (h, genuine) = self.pick_sock(r);
                let data = Self::pick_data(r);
                let flags = Self::pick_flags(r);
                self.tame(h);
                let (mut view, rt) = self.view();
                let res = rt.block_on(HostSocket::send(&mut view, b(h), data, flags));
                check(Call { what: "send", genuine }, &res);
            }
            14 => {
                let (h, genuine) = self.pick_sock(r);
                let data = Self::pick_data(r);
                let flags = Self::pick_flags(r);
                self.tame(h);
                let (mut view, rt) = self.view();
                let res = rt.block_on(HostSocket::sendall(&mut view, b(h), data, flags));
                check(Call { what: "sendall", genuine }, &res);
            }
            15 | 16 => {
                let (h, genuine) = self.pick_sock(r);
                let data = Self::pick_data(r);
                let flags = Self::pick_flags(r);
                let addr = self.pick_address(r);
                self.tame(h);
                let (mut view, rt) = self.view();
                let res = rt.block_on(HostSocket::sendto(&mut view, b(h), data, flags, addr));
                check(Call { what: "sendto", genuine }, &res);
                self.learn_port(h);
            }
            17 | 18 => {
                let (h, genuine) = self.pick_sock(r);
                let count = match r.u8() % 16 {
                    15 => crate::sockets::IOV_MAX + 1,
                    14 => 0,
                    n => usize::from(n % 5) + 1,
                };
                let mut buffers = Vec::with_capacity(count);
                let mut total = 0;
                for i in 0..count {
                    let data = if i < 8 { Self::pick_data(r) } else { Vec::new() };
                    let data = data[..data.len().min(MAX_SIZE - total)].to_vec();
                    total += data.len();
                    buffers.push(data);
                }
                let ancdata = self.pick_ancdata(r);
                let flags = Self::pick_flags(r);
                let addr = if r.bool() { Some(self.pick_address(r)) } else { None };
                self.tame(h);
                let (mut view, rt) = self.view();
                let res = rt.block_on(HostSocket::sendmsg(&mut view, b(h), buffers, ancdata, flags, addr));
                check(Call { what: "sendmsg", genuine }, &res);
                self.learn_port(h);
            }
            19 | 20 => {
                let (h, genuine) = self.pick_sock(r);
                let size = Self::pick_size(r);
                let flags = Self::pick_flags(r);
                self.tame(h);
                let (mut view, rt) = self.view();
                let res = rt.block_on(HostSocket::recv(&mut view, b(h), size, flags));
                check(Call { what: "recv", genuine }, &res);
                if let Ok(data) = &res {
                    assert!(data.len() <= size as usize, "recv returned more than asked");
                }
            }
            21 => {
                let (h, genuine) = self.pick_sock(r);
                let size = Self::pick_size(r);
                let flags = Self::pick_flags(r);
                self.tame(h);
                let (mut view, rt) = self.view();
                let res = rt.block_on(HostSocket::recvfrom(&mut view, b(h), size, flags));
                check(Call { what: "recvfrom", genuine }, &res);
                if let Ok((data, _)) = &res {
                    assert!(data.len() <= size as usize, "recvfrom returned more than asked");
                }
            }
            22 | 23 => {
                let (h, genuine) = self.pick_sock(r);
                let size = Self::pick_size(r);
                let anc = match r.u8() % 4 {
                    0 => 0,
                    1 => capsock_abi::cmsg_space(4 * usize::from(r.u8() % 8)) as u32,
                    _ => u32::from(r.u16()),
                };
                let flags = Self::pick_flags(r);
                self.tame(h);
                let (mut view, rt) = self.view();
                let res = rt.block_on(HostSocket::recvmsg(&mut view, b(h), size, anc, flags));
                check(Call { what: "recvmsg", genuine }, &res);
                if let Ok(m) = &res {
                    assert!(m.data.len() <= size as usize, "recvmsg returned more than asked");
                    // Received filenos are detached sockets of this instance.
                    for a in &m.ancdata {
                        if (a.level, a.type_) == (SOL_SOCKET, SCM_RIGHTS) {
                            for c in a.data.chunks_exact(4) {
                                let fd = i32::from_ne_bytes(c.try_into().unwrap_or_default());
                                match self.ctx.get(fd) {
                                    Ok(core) => assert!(!core.attached, "a received fileno is attached"),
                                    Err(_) => panic!("a received fileno {fd} is not in the table"),
                                }
                            }
                        }
                    }
                }
            }
            24 | 25 => {
                let (h, genuine) = self.pick_sock(r);
                let (level, name) = Self::pick_option(r);
                let value = Self::pick_value(r, level, name);
                let (mut view, rt) = self.view();
                let res = rt.block_on(HostSocket::setsockopt(&mut view, b(h), level, name, value));
                check(Call { what: "setsockopt", genuine }, &res);
            }
            26 => {
                let (h, genuine) = self.pick_sock(r);
                let (level, name) = Self::pick_option(r);
                let (mut view, rt) = self.view();
                if r.bool() {
                    let res = rt.block_on(HostSocket::getsockopt(&mut view, b(h), level, name));
                    check(Call { what: "getsockopt", genuine }, &res);
                } else {
                    let buflen = match r.u8() % 4 {
                        0 => 4,
                        1 => 16,
                        2 => u32::from(r.u16() % 1100),
                        _ => r.u32(),
                    };
                    let res = rt.block_on(HostSocket::getsockopt_bytes(&mut view, b(h), level, name, buflen));
                    check(Call { what: "getsockopt_bytes", genuine }, &res);
                    if let Ok(v) = &res {
                        assert!(v.len() <= buflen as usize, "getsockopt_bytes returned more than buflen");
                    }
                }
            }
            27 => {
                let (h, genuine) = self.pick_sock(r);
                let value = match r.u8() % 8 {
                    0 => None,
                    1 => Some(0.0),
                    2 => Some(TAME),
                    3 => Some(r.pick(&[f64::NAN, f64::INFINITY, -1.0, -0.0, 1e300, 9.2e9, 9.3e9, f64::MIN_POSITIVE])),
                    _ => Some(r.f64()),
                };
                let (mut view, rt) = self.view();
                let res = rt.block_on(HostSocket::settimeout(&mut view, b(h), value));
                check(Call { what: "settimeout", genuine }, &res);
            }
            28 => {
                let (h, genuine) = self.pick_sock(r);
                let flag = r.bool();
                let (mut view, rt) = self.view();
                let res = rt.block_on(HostSocket::setblocking(&mut view, b(h), flag));
                check(Call { what: "setblocking", genuine }, &res);
            }
            29 => {
                let (h, genuine) = self.pick_sock(r);
                let how = match r.u8() % 5 {
                    0 => SHUT_RD,
                    1 => SHUT_WR,
                    2 => SHUT_RDWR,
                    _ => r.i32(),
                };
                let (mut view, rt) = self.view();
                let res = rt.block_on(HostSocket::shutdown(&mut view, b(h), how));
                check(Call { what: "shutdown", genuine }, &res);
            }
            30 => {
                let (h, genuine) = self.pick_sock(r);
                let (mut view, rt) = self.view();
                let res = rt.block_on(HostSocket::dup(&mut view, b(h)));
                check(Call { what: "dup", genuine }, &res);
                self.hold(&res);
            }
            31 => {
                // detach, from-fd, close-fd.
                let (h, genuine) = self.pick_sock(r);
                let fd = match r.u8() % 4 {
                    0 => r.i32(),
                    _ => crate::net::FIRST_FD + i32::from(r.u8() % 64),
                };
                let (mut view, rt) = self.view();
                match r.u8() % 3 {
                    0 => {
                        let res = rt.block_on(HostSocket::detach(&mut view, b(h)));
                        check(Call { what: "detach", genuine }, &res);
                    }
                    1 => {
                        let res = rt.block_on(SocketsHost::from_fd(&mut view, fd));
                        check(Call { what: "from_fd", genuine: true }, &res);
                        self.hold(&res);
                    }
                    _ => {
                        let res = rt.block_on(SocketsHost::close_fd(&mut view, fd));
                        check(Call { what: "close_fd", genuine: true }, &res);
                    }
                }
            }
            32 => {
                // close() keeps the object; dropping it ends it.
                let (h, genuine) = self.pick_sock(r);
                self.tame(h);
                let (mut view, rt) = self.view();
                if r.bool() {
                    let res = rt.block_on(HostSocket::close(&mut view, b(h)));
                    check(Call { what: "close", genuine }, &res);
                } else {
                    let res = rt.block_on(HostSocket::drop(&mut view, Resource::new_own(h)));
                    check_wasm(Call { what: "drop", genuine }, &res);
                    if res.is_ok() {
                        self.socks.retain(|&s| s != h);
                    }
                }
            }
            33 => {
                // The attributes and names, which never wait.
                let (h, genuine) = self.pick_sock(r);
                let call = |what| Call { what, genuine };
                let (mut view, rt) = self.view();
                match r.u8() % 8 {
                    0 => {
                        let res = rt.block_on(HostSocket::getsockname(&mut view, b(h)));
                        check(call("getsockname"), &res);
                    }
                    1 => {
                        let res = rt.block_on(HostSocket::getpeername(&mut view, b(h)));
                        check(call("getpeername"), &res);
                    }
                    2 => {
                        let res = rt.block_on(HostSocket::fileno(&mut view, b(h)));
                        check_wasm(call("fileno"), &res);
                    }
                    3 => {
                        let res = rt.block_on(HostSocket::gettimeout(&mut view, b(h)));
                        check_wasm(call("gettimeout"), &res);
                    }
                    4 => {
                        let res = rt.block_on(HostSocket::getblocking(&mut view, b(h)));
                        check_wasm(call("getblocking"), &res);
                    }
                    5 => {
                        let res = rt.block_on(HostSocket::family(&mut view, b(h)));
                        check_wasm(call("family"), &res);
                    }
                    6 => {
                        let res = rt.block_on(HostSocket::socket_type(&mut view, b(h)));
                        check_wasm(call("socket_type"), &res);
                    }
                    _ => {
                        let res = rt.block_on(HostSocket::proto(&mut view, b(h)));
                        check_wasm(call("proto"), &res);
                    }
                }
            }
            34 => {
                let n = |r: &mut Reader<'_>| r.u8() % 4;
                let mut lists: [Vec<u32>; 3] = Default::default();
                let mut genuine = true;
                for list in &mut lists {
                    for _ in 0..n(r) {
                        let (h, g) = self.pick_sock(r);
                        genuine &= g;
                        list.push(h);
                    }
                }
                // Only timeouts that never wait past a few ms.
                let timeout = r.pick(&[
                    Some(0.0),
                    Some(0.0005),
                    Some(0.002),
                    Some(-0.0),
                    Some(f64::NAN),
                    Some(-1.0),
                    Some(f64::INFINITY),
                    Some(1e300),
                ]);
                let [rl, wl, xl] = lists.map(|l| l.into_iter().map(b).collect::<Vec<_>>());
                let (mut view, rt) = self.view();
                let res = rt.block_on(PollHost::select(&mut view, rl, wl, xl, timeout));
                check(Call { what: "select", genuine }, &res);
            }
            35 => {
                let mut socks = Vec::new();
                let mut events = Vec::new();
                let mut genuine = true;
                for _ in 0..r.u8() % 6 {
                    let (h, g) = self.pick_sock(r);
                    genuine &= g;
                    socks.push(b(h));
                    events.push(r.u16());
                }
                if r.u8().is_multiple_of(16) {
                    events.push(0);
                }
                let timeout = r.pick(&[Some(0.0), Some(0.0005), Some(0.002), Some(f64::NAN)]);
                let (mut view, rt) = self.view();
                let res = rt.block_on(PollHost::poll(&mut view, socks, events, timeout));
                check(Call { what: "poll", genuine }, &res);
            }
            36 => {
                let host = if r.u8().is_multiple_of(8) { None } else { Some(Self::pick_name(r)) };
                let service = r.pick(SERVICES).map(str::to_string);
                let family = r.pick(&[AF_UNSPEC, AF_INET, AF_INET6, AF_UNIX, -1]);
                let ty = r.pick(&[0, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, 99]);
                let proto = r.pick(&[0, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, -1]);
                let sel = r.u8();
                let flags = if sel == 0xff {
                    r.i32()
                } else {
                    AI_FLAGS.iter().enumerate().filter(|(i, _)| sel & (1 << i) != 0).fold(0, |a, (_, f)| a | f)
                };
                let (mut view, rt) = self.view();
                let res = rt.block_on(ResolverHost::getaddrinfo(&mut view, host, service, family, ty, proto, flags));
                check(Call { what: "getaddrinfo", genuine: true }, &res);
            }
            37 => {
                let addr = self.pick_address(r);
                let flags = if r.bool() { r.i32() } else { i32::from(r.u8() & 0x3f) };
                let (mut view, rt) = self.view();
                let res = rt.block_on(ResolverHost::getnameinfo(&mut view, addr, flags));
                check(Call { what: "getnameinfo", genuine: true }, &res);
            }
            38 => {
                let name = Self::pick_name(r);
                let (mut view, rt) = self.view();
                if r.bool() {
                    let res = rt.block_on(ResolverHost::gethostbyname_ex(&mut view, name));
                    check(Call { what: "gethostbyname_ex", genuine: true }, &res);
                } else {
                    let res = rt.block_on(ResolverHost::gethostbyaddr(&mut view, name));
                    check(Call { what: "gethostbyaddr", genuine: true }, &res);
                }
            }
            _ => {
                // The rest of the resolver and module functions.
                let proto = r.pick(PROTOS).map(str::to_string);
                let name = r.pick(SERVICE_NAMES).to_string();
                let port = if r.bool() { r.pick(&[0, 22, 53, 80, 443, 65535]) } else { r.u16() };
                let (mut view, rt) = self.view();
                let call = |what| Call { what, genuine: true };
                match r.u8() % 7 {
                    0 => {
                        let res = rt.block_on(ResolverHost::getservbyname(&mut view, name, proto));
                        check(call("getservbyname"), &res);
                    }
                    1 => {
                        let res = rt.block_on(ResolverHost::getservbyport(&mut view, port, proto));
                        check(call("getservbyport"), &res);
                    }
                    2 => {
                        let res = rt.block_on(ResolverHost::getprotobyname(&mut view, name));
                        check(call("getprotobyname"), &res);
                    }
                    3 => {
                        let res = rt.block_on(ResolverHost::gethostname(&mut view));
                        check(call("gethostname"), &res);
                    }
                    4 => {
                        let res = rt.block_on(ResolverHost::if_nameindex(&mut view));
                        check(call("if_nameindex"), &res);
                    }
                    5 => {
                        let res = rt.block_on(SocketsHost::has_ipv6(&mut view));
                        check_wasm(call("has_ipv6"), &res);
                    }
                    _ => {
                        let res = rt.block_on(SocketsHost::has_dualstack_ipv6(&mut view));
                        check_wasm(call("has_dualstack_ipv6"), &res);
                    }
                }
            }
        }
    }
}

impl Drop for Session {
    /// Closing every socket is watched too: a close(2) that waits (a
    /// lingering socket) is a hang of the host.
    fn drop(&mut self) {
        let _watch = watch("session teardown", 0);
        let _enter = self.rt.enter();
        let ctx = std::mem::replace(&mut self.ctx, CapsockCtx::builder(Policy::deny_all()).build());
        drop(ctx);
        self.table = ResourceTable::new();
    }
}

// ---------------------------------------------------------------------------
// Socket options

/// The `(level, name)` of every option the host knows, for a fuzz target
/// to choose among.
pub fn known_options() -> Vec<(i32, i32)> {
    crate::sockopt::OPTIONS.iter().map(|o| (o.level, o.name)).collect()
}

/// Set one option on fresh TCP and UDP sockets through the host's
/// `setsockopt` (as bytes and, when 4 bytes, as an int), read it back, then
/// live with it: the waits it implies are computed, a non-blocking recv and
/// a send run, and a recv with a tiny timeout (and, when `SO_RCVTIMEO` is
/// short, one that relies on it) — the path that once panicked on
/// `SO_RCVTIMEO` with `tv_sec = i64::MAX`.
pub fn sockopt(level: i32, name: i32, value: &[u8]) {
    let mut s = Session::new();
    let _watch = watch("sockopt", 0);
    let kinds = [(AF_INET, SOCK_STREAM), (AF_INET, SOCK_DGRAM), (AF_INET6, SOCK_STREAM), (AF_INET6, SOCK_DGRAM)];
    for (family, ty) in kinds {
        s.sockopt_on(family, ty, level, name, value);
        s.check_invariants();
    }
}

impl Session {
    fn sockopt_on(&mut self, family: i32, ty: i32, level: i32, name: i32, value: &[u8]) {
        let b = |h: u32| Resource::<SocketHandle>::new_borrow(h);
        let (mut view, rt) = self.view();
        let Ok(h) = rt.block_on(SocketsHost::create_socket(&mut view, family, ty, 0)) else { return };
        let h = h.rep();
        self.socks.push(h);
        let loopback = if family == AF_INET {
            Address::Inet(InetAddress { octets: (127, 0, 0, 1), port: 0 })
        } else {
            Address::Inet6(Inet6Address { segments: (0, 0, 0, 0, 0, 0, 0, 1), port: 0, flowinfo: 0, scope_id: 0 })
        };
        let (mut view, rt) = self.view();
        let genuine = |what| Call { what, genuine: true };
        if ty == SOCK_DGRAM {
            let res = rt.block_on(HostSocket::bind(&mut view, b(h), loopback.clone()));
            check(genuine("bind"), &res);
        }
        let (mut view, rt) = self.view();
        let res = rt.block_on(HostSocket::setsockopt(&mut view, b(h), level, name, OptionValue::Bytes(value.to_vec())));
        check(genuine("setsockopt bytes"), &res);
        if let Ok(word) = <[u8; 4]>::try_from(value) {
            let (mut view, rt) = self.view();
            let v = OptionValue::Int(i32::from_ne_bytes(word));
            let res = rt.block_on(HostSocket::setsockopt(&mut view, b(h), level, name, v));
            check(genuine("setsockopt int"), &res);
        }
        let (mut view, rt) = self.view();
        let res = rt.block_on(HostSocket::getsockopt(&mut view, b(h), level, name));
        check(genuine("getsockopt"), &res);
        let buflen = value.len().clamp(1, 1024) as u32;
        let res = rt.block_on(HostSocket::getsockopt_bytes(&mut view, b(h), level, name, buflen));
        check(genuine("getsockopt_bytes"), &res);
        // The waits the socket's options imply: computing them must never
        // panic, whatever SO_RCVTIMEO/SO_SNDTIMEO hold.
        let short_rcvtimeo = match self.table.get(&b(h)).ok().and_then(|hd| self.ctx.get(hd.fd).ok()) {
            Some(core) => {
                let _ = core.wait(Interest::READABLE, false);
                let _ = core.wait(Interest::WRITABLE, false);
                let _ = core.wait(Interest::READABLE, true);
                core.rcvtimeo.is_some_and(|t| t <= MAX_WAIT)
            }
            None => false,
        };
        // Non-blocking: a recv (nothing there yet), a send (to itself for UDP).
        let (mut view, rt) = self.view();
        let res = rt.block_on(HostSocket::settimeout(&mut view, b(h), Some(0.0)));
        check(genuine("settimeout"), &res);
        let res = rt.block_on(HostSocket::recv(&mut view, b(h), 64, 0));
        check(genuine("recv"), &res);
        let me = rt.block_on(HostSocket::getsockname(&mut view, b(h))).unwrap_or(loopback);
        let res = if ty == SOCK_DGRAM {
            rt.block_on(HostSocket::sendto(&mut view, b(h), b"fuzz".to_vec(), 0, me))
        } else {
            rt.block_on(HostSocket::send(&mut view, b(h), b"fuzz".to_vec(), 0))
        };
        check(genuine("send"), &res);
        // A tiny timeout: the datagram (with what ancillary data the option
        // asks for), then nothing.
        let res = rt.block_on(HostSocket::settimeout(&mut view, b(h), Some(TAME)));
        check(genuine("settimeout"), &res);
        let res = rt.block_on(HostSocket::recvmsg(&mut view, b(h), 64, 256, 0));
        check(genuine("recvmsg"), &res);
        let res = rt.block_on(HostSocket::recv(&mut view, b(h), 64, 0));
        check(genuine("recv"), &res);
        // Blocking, bounded by SO_RCVTIMEO alone, when it is short.
        if short_rcvtimeo {
            let res = rt.block_on(HostSocket::settimeout(&mut view, b(h), None));
            check(genuine("settimeout"), &res);
            let res = rt.block_on(HostSocket::recv(&mut view, b(h), 64, 0));
            check(genuine("recv"), &res);
        }
        // Closing (a lingering socket must not wait either).
        let (mut view, rt) = self.view();
        let res = rt.block_on(HostSocket::settimeout(&mut view, b(h), Some(0.0)));
        check(genuine("settimeout"), &res);
        let res = rt.block_on(HostSocket::drop(&mut view, Resource::new_own(h)));
        check_wasm(genuine("drop"), &res);
        self.socks.retain(|&s| s != h);
    }
}
