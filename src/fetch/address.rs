//! Which addresses a request may reach: the guard against a feed that redirects newsdb into the
//! network it runs in (server-side request forgery).
//!
//! Every address falls in one [`AddressClass`]: public, private (loopback, RFC 1918, unique local,
//! carrier-grade NAT and the other non-global ranges) or link-local (which is where cloud metadata
//! services answer, with the few metadata addresses outside that range). The URL the user names
//! (on the command line or as a subscription) may be in any class. A redirect may never lead to a
//! link-local or metadata address, and a redirect from a public address may not lead to a private
//! one; a redirect within a private network (an intranet feed, a test server on 127.0.0.1) is
//! followed.
//!
//! The host of each hop is classified from its resolved addresses, not from its name, before any
//! connection. The connection itself is then made through a resolver that keeps only addresses
//! of that class, so a host that answers DNS differently the second time (DNS rebinding) is
//! refused rather than reached. Through a proxy, the proxy resolves the host: newsdb's own lookup
//! is then the only check.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::sync::mpsc;
use std::time::Duration;

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;
use url::{Host, Url};

/// Where an address is, as far as a redirect is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressClass {
    Public,
    /// Loopback, private networks and every other address that is not globally reachable.
    Private,
    /// Link-local (169.254.0.0/16, fe80::/10) and the cloud metadata addresses.
    LinkLocal,
}

impl AddressClass {
    /// The class of a host with these addresses: the most guarded one among them, so that a
    /// name resolving to a public and a private address counts as private.
    pub fn of_all(addresses: impl IntoIterator<Item = IpAddr>) -> Option<AddressClass> {
        addresses
            .into_iter()
            .map(classify)
            .max_by_key(|class| match class {
                AddressClass::Public => 0,
                AddressClass::Private => 1,
                AddressClass::LinkLocal => 2,
            })
    }

    /// "a link-local address", to end a sentence.
    pub fn describe(self) -> &'static str {
        match self {
            AddressClass::Public => "a public address",
            AddressClass::Private => "a private or loopback address",
            AddressClass::LinkLocal => "a link-local address",
        }
    }
}

/// Metadata services outside 169.254.0.0/16: Alibaba Cloud, Azure's wire server, AWS over IPv6.
const METADATA_V4: [Ipv4Addr; 2] = [
    Ipv4Addr::new(100, 100, 100, 200),
    Ipv4Addr::new(168, 63, 129, 16),
];
const METADATA_V6: [Ipv6Addr; 1] = [Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)];

/// The class of one address. IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64,
/// 6to4) are judged by that address.
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let [a, b, c, _] = ip.octets();
    if ip.is_link_local() || METADATA_V4.contains(&ip) {
        return AddressClass::LinkLocal;
    }
    let not_global = a == 0 // "this network": 0.0.0.0 reaches the local host
        || ip.is_loopback()
        || ip.is_private()
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 224; // multicast, reserved, broadcast
    if not_global {
        AddressClass::Private
    } else {
        AddressClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    let first = ip.segments()[0];
    if (first & 0xffc0) == 0xfe80 || METADATA_V6.contains(&ip) {
        return AddressClass::LinkLocal;
    }
    let not_global = ip.is_loopback()
        || ip.is_unspecified()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (first & 0xff00) == 0xff00; // multicast
    if not_global {
        AddressClass::Private
    } else {
        AddressClass::Public
    }
}

/// The IPv4 address inside an IPv6 one that carries it, if any.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = ip.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        // IPv4-compatible (::a.b.c.d), but not :: and ::1.
        [0, 0, 0, 0, 0, 0, _, _] if !(s[6] == 0 && s[7] <= 1) => Some(tail),
        // NAT64, well-known prefix 64:ff9b::/96.
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(tail),
        // 6to4: 2002:AABB:CCDD::/48.
        [0x2002, high, low, ..] => Some(Ipv4Addr::new(
            (high >> 8) as u8,
            high as u8,
            (low >> 8) as u8,
            low as u8,
        )),
        _ => None,
    }
}

/// Whether a redirect from a host of class `from` may go to one of class `to`.
pub fn redirect_allowed(from: AddressClass, to: AddressClass) -> bool {
    match to {
        AddressClass::LinkLocal => false,
        AddressClass::Private => from != AddressClass::Public,
        AddressClass::Public => true,
    }
}

/// Whether the URL the user named may be requested at an address of class `to`: anywhere,
/// except a link-local or metadata address reached through a host name. That one must be named
/// by its address: a subscription moved by a redirect (to a name that resolved elsewhere then)
/// must not reach the metadata service once that name points there.
pub fn named_allowed(to: AddressClass, host_is_address: bool) -> bool {
    to != AddressClass::LinkLocal || host_is_address
}

/// Why a host may not be requested.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub address: IpAddr,
    pub class: AddressClass,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is {}", self.address, self.class.describe())
    }
}

impl std::error::Error for Refusal {}

/// Resolves the host of `url` (an IP literal without a lookup), within `timeout`.
pub fn lookup(url: &Url, timeout: Duration) -> io::Result<Vec<IpAddr>> {
    let port = url.port_or_known_default().unwrap_or(80);
    let name = match url.host() {
        Some(Host::Ipv4(ip)) => return Ok(vec![IpAddr::V4(ip)]),
        Some(Host::Ipv6(ip)) => return Ok(vec![IpAddr::V6(ip)]),
        Some(Host::Domain(name)) => name.to_owned(),
        None => return Err(io::Error::new(io::ErrorKind::InvalidInput, "no host")),
    };
    // std's lookup cannot be given a timeout: it runs on its own thread, which is left to finish
    // on its own if it takes too long.
    let (sender, receiver) = mpsc::sync_channel(1);
    std::thread::spawn(move || {
        let found = (name.as_str(), port)
            .to_socket_addrs()
            .map(|addresses| addresses.map(|address| address.ip()).collect::<Vec<_>>());
        let _ = sender.send(found);
    });
    match receiver.recv_timeout(timeout) {
        Ok(found) => found,
        Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "host lookup")),
    }
}

/// ureq's resolver, keeping only addresses of one class: what a hop was judged on is what it
/// connects to. A proxy's own address is not filtered (it is the user's setting).
#[derive(Debug)]
pub struct ClassResolver {
    class: AddressClass,
    inner: DefaultResolver,
}

impl ClassResolver {
    pub fn new(class: AddressClass) -> ClassResolver {
        ClassResolver {
            class,
            inner: DefaultResolver::default(),
        }
    }
}

impl Resolver for ClassResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let resolved = self.inner.resolve(uri, config, timeout)?;
        let is_proxy = config.proxy().is_some_and(|proxy| {
            uri.host() == Some(proxy.host()) && uri.port_u16().is_none_or(|p| p == proxy.port())
        });
        if is_proxy {
            return Ok(resolved);
        }
        let mut kept = self.empty();
        let mut refused = None;
        for &address in resolved.iter() {
            match keep(address, self.class) {
                Ok(address) => kept.push(address),
                Err(refusal) => refused = refused.or(Some(refusal)),
            }
        }
        match refused {
            Some(refusal) if kept.is_empty() => Err(ureq::Error::Io(io::Error::new(
                io::ErrorKind::PermissionDenied,
                refusal,
            ))),
            _ => Ok(kept),
        }
    }
}

fn keep(address: SocketAddr, class: AddressClass) -> Result<SocketAddr, Refusal> {
    match classify(address.ip()) {
        found if found == class => Ok(address),
        found => Err(Refusal {
            address: address.ip(),
            class: found,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(text: &str) -> AddressClass {
        classify(text.parse().unwrap())
    }

    #[test]
    fn addresses_are_classified() {
        for public in [
            "8.8.8.8",
            "93.184.216.34",
            "100.63.255.255",
            "172.32.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert_eq!(class(public), AddressClass::Public, "{public}");
        }
        for private in [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "100.64.0.1",
            "192.0.0.8",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd12:3456::1",
            "fc00::1",
            "fec0::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "2002:7f00:1::1",
        ] {
            assert_eq!(class(private), AddressClass::Private, "{private}");
        }
        for link_local in [
            "169.254.169.254",
            "169.254.0.1",
            "100.100.100.200",
            "168.63.129.16",
            "fe80::1",
            "febf::1",
            "fd00:ec2::254",
            "::ffff:169.254.169.254",
            "::169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:a9fe:a9fe::1",
        ] {
            assert_eq!(class(link_local), AddressClass::LinkLocal, "{link_local}");
        }
    }

    #[test]
    fn a_host_is_as_guarded_as_its_most_guarded_address() {
        let addresses = |list: &[&str]| -> Vec<IpAddr> {
            list.iter().map(|text| text.parse().unwrap()).collect()
        };
        assert_eq!(
            AddressClass::of_all(addresses(&["8.8.8.8", "2606:4700::1111"])),
            Some(AddressClass::Public)
        );
        assert_eq!(
            AddressClass::of_all(addresses(&["8.8.8.8", "10.0.0.1"])),
            Some(AddressClass::Private)
        );
        assert_eq!(
            AddressClass::of_all(addresses(&["10.0.0.1", "169.254.169.254", "8.8.8.8"])),
            Some(AddressClass::LinkLocal)
        );
        assert_eq!(AddressClass::of_all(Vec::new()), None);
    }

    #[test]
    fn redirects_never_go_to_link_local_nor_from_public_to_private() {
        use AddressClass::*;
        for (from, to, allowed) in [
            (Public, Public, true),
            (Public, Private, false),
            (Public, LinkLocal, false),
            (Private, Public, true),
            (Private, Private, true),
            (Private, LinkLocal, false),
            (LinkLocal, Public, true),
            (LinkLocal, Private, true),
            (LinkLocal, LinkLocal, false),
        ] {
            assert_eq!(redirect_allowed(from, to), allowed, "{from:?} -> {to:?}");
        }
    }

    #[test]
    fn a_named_link_local_address_must_be_named_by_its_address() {
        use AddressClass::*;
        for (to, host_is_address, allowed) in [
            (Public, false, true),
            (Private, false, true),
            (Private, true, true),
            (LinkLocal, true, true),
            (LinkLocal, false, false),
        ] {
            assert_eq!(
                named_allowed(to, host_is_address),
                allowed,
                "{to:?}, by address: {host_is_address}"
            );
        }
    }

    #[test]
    fn host_names_are_judged_by_their_addresses() {
        let url = Url::parse("http://localhost:8080/feed").unwrap();
        let found = lookup(&url, Duration::from_secs(10)).unwrap();
        assert_eq!(AddressClass::of_all(found), Some(AddressClass::Private));
        let literal = Url::parse("http://169.254.169.254/latest/").unwrap();
        assert_eq!(
            lookup(&literal, Duration::from_secs(10)).unwrap(),
            vec![IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254))]
        );
    }

    #[test]
    fn the_resolver_keeps_only_addresses_of_its_class() {
        let refused = keep("127.0.0.1:80".parse().unwrap(), AddressClass::Public).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "127.0.0.1 is a private or loopback address"
        );
        assert!(keep("127.0.0.1:80".parse().unwrap(), AddressClass::Private).is_ok());
        let refused = keep("[fe80::1]:80".parse().unwrap(), AddressClass::Private).unwrap_err();
        assert_eq!(refused.to_string(), "fe80::1 is a link-local address");
    }

    #[test]
    fn a_host_that_now_resolves_to_another_class_is_not_connected_to() {
        // A host checked as public that resolves to loopback when connecting (DNS rebinding).
        let uri: Uri = "http://localhost:9/".parse().unwrap();
        let config = Config::default();
        let error = ClassResolver::new(AddressClass::Public)
            .resolve(&uri, &config, NextTimeout::default())
            .unwrap_err();
        let ureq::Error::Io(error) = error else {
            panic!("{error:?}")
        };
        assert_eq!(error.kind(), io::ErrorKind::PermissionDenied);
        assert!(error.get_ref().is_some_and(|inner| inner.is::<Refusal>()));
        let kept = ClassResolver::new(AddressClass::Private)
            .resolve(&uri, &config, NextTimeout::default())
            .unwrap();
        assert!(kept.iter().all(|address| address.ip().is_loopback()));
    }

    #[test]
    fn a_proxy_is_reached_wherever_it_is() {
        // The proxy is the user's own setting (often on the local network): its address is not
        // judged; the hosts reached through it are, by newsdb's own lookup.
        let proxy = ureq::Proxy::new("http://localhost:3128").unwrap();
        let config = Config::builder().proxy(Some(proxy)).build();
        let proxy_uri: Uri = "http://localhost:3128".parse().unwrap();
        let kept = ClassResolver::new(AddressClass::Public)
            .resolve(&proxy_uri, &config, NextTimeout::default())
            .unwrap();
        assert!(kept.iter().all(|address| address.ip().is_loopback()));
        let other: Uri = "http://localhost:8080/".parse().unwrap();
        assert!(
            ClassResolver::new(AddressClass::Public)
                .resolve(&other, &config, NextTimeout::default())
                .is_err()
        );
    }
}
