//! Port sets of rules.

use std::fmt;

/// `List` holds sorted, disjoint, non-adjacent inclusive ranges and never covers all ports
/// (that is `Any`), so equal sets compare equal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ports {
    /// `*`: every port, 0 included.
    Any,
    /// Inclusive `(low, high)` ranges.
    List(Vec<(u16, u16)>),
}

impl Ports {
    /// The set of the given inclusive ranges, in any order, overlapping or not.
    pub(crate) fn from_ranges(mut ranges: Vec<(u16, u16)>) -> Ports {
        ranges.sort_unstable();
        let mut merged: Vec<(u16, u16)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            match merged.last_mut() {
                Some(last) if u32::from(lo) <= u32::from(last.1) + 1 => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        if merged == [(0, u16::MAX)] { Ports::Any } else { Ports::List(merged) }
    }

    pub(crate) fn contains(&self, port: u16) -> bool {
        match self {
            Ports::Any => true,
            Ports::List(ranges) => ranges.iter().any(|&(lo, hi)| lo <= port && port <= hi),
        }
    }
}

impl fmt::Display for Ports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let item = |f: &mut fmt::Formatter<'_>, (lo, hi): (u16, u16)| {
            if lo == hi { write!(f, "{lo}") } else { write!(f, "{lo}-{hi}") }
        };
        match self {
            Ports::Any => f.write_str("*"),
            Ports::List(ranges) => match ranges.as_slice() {
                [one] => item(f, *one),
                many => {
                    f.write_str("{")?;
                    for (i, r) in many.iter().enumerate() {
                        if i > 0 {
                            f.write_str(",")?;
                        }
                        item(f, *r)?;
                    }
                    f.write_str("}")
                }
            },
        }
    }
}
