//! A peer certificate as Python's `SSLSocket.getpeercert()` describes it.

use crate::bindings::capsock::socket::tls::PeerCertificate;
use x509_parser::prelude::*;

/// Python's attribute names for the usual RDN types; others keep their OID.
fn attr_name(oid: &x509_parser::der_parser::oid::Oid<'_>) -> String {
    match oid.to_id_string().as_str() {
        "2.5.4.3" => "commonName",
        "2.5.4.6" => "countryName",
        "2.5.4.7" => "localityName",
        "2.5.4.8" => "stateOrProvinceName",
        "2.5.4.10" => "organizationName",
        "2.5.4.11" => "organizationalUnitName",
        "2.5.4.5" => "serialNumber",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "0.9.2342.19200300.100.1.25" => "domainComponent",
        other => return other.to_string(),
    }
    .to_string()
}

fn names(n: &X509Name<'_>) -> Vec<(String, String)> {
    n.iter_attributes()
        .map(|a| {
            (attr_name(a.attr_type()), a.as_str().map(str::to_string).unwrap_or_else(|_| String::from("<binary>")))
        })
        .collect()
}

/// `Jan  1 00:00:00 2026 GMT`, as OpenSSL (and so Python) prints a time.
fn asn1_time(t: &ASN1Time) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let d = t.to_datetime();
    let month = MONTHS.get(usize::from(u8::from(d.month())).saturating_sub(1)).copied().unwrap_or("???");
    format!("{month} {:>2} {:02}:{:02}:{:02} {} GMT", d.day(), d.hour(), d.minute(), d.second(), d.year())
}

/// The fields of `der`; a certificate that does not parse gives its DER
/// alone (what Python's `getpeercert(binary_form=True)` would).
pub(crate) fn describe(der: &[u8]) -> PeerCertificate {
    let mut out = PeerCertificate {
        der: der.to_vec(),
        subject: Vec::new(),
        issuer: Vec::new(),
        not_before: String::new(),
        not_after: String::new(),
        serial_number: String::new(),
        subject_alt_names: Vec::new(),
        version: 0,
    };
    let Ok((_, cert)) = X509Certificate::from_der(der) else { return out };
    out.subject = names(cert.subject());
    out.issuer = names(cert.issuer());
    out.not_before = asn1_time(&cert.validity().not_before);
    out.not_after = asn1_time(&cert.validity().not_after);
    out.serial_number = cert.raw_serial().iter().map(|b| format!("{b:02X}")).collect();
    out.version = cert.version().0 + 1;
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                GeneralName::DNSName(d) => out.subject_alt_names.push(("DNS".into(), (*d).to_string())),
                GeneralName::IPAddress(ip) => {
                    let text = match ip.len() {
                        4 => std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]).to_string(),
                        16 => {
                            let mut b = [0u8; 16];
                            b.copy_from_slice(ip);
                            // Python prints IPv6 SANs uncompressed, upper-case.
                            std::net::Ipv6Addr::from(b)
                                .segments()
                                .iter()
                                .map(|s| format!("{s:X}"))
                                .collect::<Vec<_>>()
                                .join(":")
                        }
                        _ => continue,
                    };
                    out.subject_alt_names.push(("IP Address".into(), text));
                }
                GeneralName::RFC822Name(e) => out.subject_alt_names.push(("email".into(), (*e).to_string())),
                GeneralName::URI(u) => out.subject_alt_names.push(("URI".into(), (*u).to_string())),
                _ => {}
            }
        }
    }
    out
}
