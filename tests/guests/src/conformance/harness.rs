//! The guest half of the conformance harness: Python's `repr` of results
//! and the one-line-per-step protocol shared with `tests/conformance/cases.py`.

use capsock::{Address, Error, Socket};
use std::sync::OnceLock;

/// Ports that are the same in the guest's and CPython's runs (the native
/// peers); every other port prints as `*`.
static FIXED: OnceLock<Vec<u16>> = OnceLock::new();

pub fn set_fixed_ports(ports: Vec<u16>) {
    let _ = FIXED.set(ports);
}

fn fixed(port: u16) -> bool {
    FIXED.get().is_some_and(|p| p.contains(&port))
}

/// A Python value, enough of one to print its `repr`.
#[derive(Clone, Debug)]
pub enum Py {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Bytes(Vec<u8>),
    Str(String),
    Tuple(Vec<Py>),
    List(Vec<Py>),
    Addr(Address),
    /// An object whose repr is not compared: `<socket>`.
    Obj(&'static str),
}

fn float_repr(f: f64) -> String {
    let a = f.abs();
    if f != 0.0 && !(1e-4..1e16).contains(&a) {
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        format!("{f:?}")
    }
}

fn quote_for(has_single: bool, has_double: bool) -> char {
    if has_single && !has_double { '"' } else { '\'' }
}

fn bytes_repr(b: &[u8]) -> String {
    let q = quote_for(b.contains(&b'\''), b.contains(&b'"'));
    let mut s = format!("b{q}");
    for &x in b {
        match x {
            b'\\' => s.push_str("\\\\"),
            b'\t' => s.push_str("\\t"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            x if char::from(x) == q => {
                s.push('\\');
                s.push(q)
            }
            0x20..=0x7e => s.push(char::from(x)),
            x => s.push_str(&format!("\\x{x:02x}")),
        }
    }
    s.push(q);
    s
}

fn str_repr(t: &str) -> String {
    let q = quote_for(t.contains('\''), t.contains('"'));
    let mut s = String::from(q);
    for ch in t.chars() {
        match ch {
            '\\' => s.push_str("\\\\"),
            '\t' => s.push_str("\\t"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            c if c == q => {
                s.push('\\');
                s.push(q)
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => s.push_str(&format!("\\x{:02x}", c as u32)),
            c => s.push(c),
        }
    }
    s.push(q);
    s
}

/// The SDK's repr of an address, with an ephemeral port shown as `*`.
fn addr_repr(a: &Address) -> String {
    let text = a.to_string();
    let Some(port) = a.port() else { return text };
    if fixed(port) {
        return text;
    }
    // `('host', PORT, …)`: the port follows the first `', `.
    match text.find("', ") {
        Some(i) => {
            let start = i + 3;
            let end = text[start..].find([',', ')']).map_or(text.len(), |j| start + j);
            format!("{}*{}", &text[..start], &text[end..])
        }
        None => text,
    }
}

impl Py {
    pub fn repr(&self) -> String {
        match self {
            Py::None => "None".into(),
            Py::Bool(b) => if *b { "True" } else { "False" }.into(),
            Py::Int(i) => i.to_string(),
            Py::Float(f) => float_repr(*f),
            Py::Bytes(b) => bytes_repr(b),
            Py::Str(s) => str_repr(s),
            Py::Tuple(items) => {
                let inner: Vec<String> = items.iter().map(Py::repr).collect();
                if items.len() == 1 { format!("({},)", inner[0]) } else { format!("({})", inner.join(", ")) }
            }
            Py::List(items) => format!("[{}]", items.iter().map(Py::repr).collect::<Vec<_>>().join(", ")),
            Py::Addr(a) => addr_repr(a),
            Py::Obj(name) => format!("<{name}>"),
        }
    }
}

/// Conversion of a Rust result value to the Python value it stands for.
pub trait ToPy {
    fn py(&self) -> Py;
}

impl ToPy for Py {
    fn py(&self) -> Py {
        self.clone()
    }
}

impl ToPy for () {
    fn py(&self) -> Py {
        Py::None
    }
}

impl ToPy for bool {
    fn py(&self) -> Py {
        Py::Bool(*self)
    }
}

macro_rules! int_py {
    ($($t:ty),*) => {$(
        impl ToPy for $t {
            fn py(&self) -> Py {
                Py::Int(*self as i64)
            }
        }
    )*};
}
int_py!(i32, u16, u32, usize, i64, u64);

impl ToPy for f64 {
    fn py(&self) -> Py {
        Py::Float(*self)
    }
}

impl<T: ToPy> ToPy for Option<T> {
    fn py(&self) -> Py {
        self.as_ref().map_or(Py::None, ToPy::py)
    }
}

impl ToPy for Vec<u8> {
    fn py(&self) -> Py {
        Py::Bytes(self.clone())
    }
}

impl ToPy for String {
    fn py(&self) -> Py {
        Py::Str(self.clone())
    }
}

impl ToPy for &str {
    fn py(&self) -> Py {
        Py::Str(self.to_string())
    }
}

impl ToPy for Address {
    fn py(&self) -> Py {
        Py::Addr(self.clone())
    }
}

impl ToPy for Socket {
    fn py(&self) -> Py {
        Py::Obj("socket")
    }
}

impl<A: ToPy, B: ToPy> ToPy for (A, B) {
    fn py(&self) -> Py {
        Py::Tuple(vec![self.0.py(), self.1.py()])
    }
}

impl<A: ToPy, B: ToPy, C: ToPy> ToPy for (A, B, C) {
    fn py(&self) -> Py {
        Py::Tuple(vec![self.0.py(), self.1.py(), self.2.py()])
    }
}

impl<A: ToPy, B: ToPy, C: ToPy, D: ToPy> ToPy for (A, B, C, D) {
    fn py(&self) -> Py {
        Py::Tuple(vec![self.0.py(), self.1.py(), self.2.py(), self.3.py()])
    }
}

/// `repr` of a list of Python values.
pub fn list<T: ToPy>(items: &[T]) -> Py {
    Py::List(items.iter().map(ToPy::py).collect())
}

/// What the Python side prints for an exception: class, errno, `str(e)`.
pub fn raise_line(class: &str, errno: Option<i32>, text: &str) -> String {
    let errno = errno.map_or("-".to_string(), |n| n.to_string());
    format!("raise {class} {errno} {text}")
}

/// One case's output.
pub struct Ctx {
    pub name: String,
}

impl Ctx {
    /// Print the step's result; the value when it succeeded.
    pub fn step<T: ToPy>(&self, label: &str, r: Result<T, Error>) -> Option<T> {
        match r {
            Ok(v) => {
                println!("{} {label}: ok {}", self.name, v.py().repr());
                Some(v)
            }
            Err(e) => {
                println!("{} {label}: {}", self.name, raise_line(e.exception(), e.errno(), &e.to_string()));
                None
            }
        }
    }

    /// Print a computed value.
    pub fn show(&self, label: &str, v: impl ToPy) {
        println!("{} {label}: ok {}", self.name, v.py().repr());
    }

    /// A step Rust cannot express (the reason is the doc's).
    pub fn na(&self, label: &str, why: &str) {
        println!("{} {label}: n/a {why}", self.name);
    }

    /// Python's `abort` line for an exception outside a step.
    pub fn abort(&self, e: &Error) {
        println!("{} abort: {} {e}", self.name, e.exception());
    }
}

/// A step that must succeed for the case to go on (`Ctx.must` in Python).
#[macro_export]
macro_rules! must {
    ($c:expr, $label:expr, $e:expr) => {
        match $c.step($label, $e) {
            Some(v) => v,
            None => return,
        }
    };
}

/// `Result<T>` to `Result<Py>`, for steps whose type varies.
pub fn p<T: ToPy>(r: Result<T, Error>) -> Result<Py, Error> {
    r.map(|v| v.py())
}
