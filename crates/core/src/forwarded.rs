//! Who the client is behind proxies and load balancers. A proxy in front of
//! ClassTrack adds the address it received the request from to
//! `X-Forwarded-For` (or `Forwarded: for=…`, RFC 7239); anything to the left
//! of what our own proxies wrote was written by the client and may be a lie.
//! So the chain is read right to left, only while each hop is one of the
//! operator's trusted proxies; a peer that is not trusted is the client
//! itself, whatever headers it sends.

use std::net::IpAddr;

use ipnet::IpNet;

/// The client's address: `peer` when it is not a trusted proxy, else the
/// first address, read from the right of `chain` (oldest hop first), that is
/// not a trusted proxy. A hop that cannot be read ends the walk at the last
/// trusted hop.
pub fn client_address(peer: IpAddr, chain: &[Option<IpAddr>], trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in chain.iter().rev() {
        match hop {
            Some(ip) if is_trusted(ip) => client = *ip,
            Some(ip) => return *ip,
            None => return client,
        }
    }
    client
}

/// The header the operator's proxies write. Only that one is read: a proxy
/// that appends to `X-Forwarded-For` passes a client's own `Forwarded`
/// through untouched (and the other way round), so reading both would let
/// the client choose its address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1` (nginx, HAProxy, most balancers).
    #[default]
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239).
    Forwarded,
}

impl ForwardedHeader {
    /// The header's name, lower case as in HTTP/2 and gRPC metadata.
    pub fn name(self) -> &'static str {
        match self {
            Self::XForwardedFor => "x-forwarded-for",
            Self::Forwarded => "forwarded",
        }
    }

    /// The hops named by the header's values (several lines are read in
    /// order, each may list several hops), oldest first.
    pub fn hops<'a>(self, values: impl IntoIterator<Item = &'a str>) -> Vec<Option<IpAddr>> {
        let elements = values.into_iter().flat_map(|v| v.split(','));
        match self {
            Self::XForwardedFor => elements.map(|hop| address(hop.trim())).collect(),
            Self::Forwarded => elements.filter_map(forwarded_for).collect(),
        }
    }
}

impl std::str::FromStr for ForwardedHeader {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(Self::XForwardedFor),
            "forwarded" => Ok(Self::Forwarded),
            other => Err(format!("{other:?} is not x-forwarded-for or forwarded")),
        }
    }
}

/// The `for=` of one `Forwarded` element (`for=192.0.2.60;proto=https`,
/// `for="[2001:db8::1]:4711"`); `None` for an element without one, `Some(None)`
/// for one that names no address (`for=unknown`, an obfuscated name).
fn forwarded_for(element: &str) -> Option<Option<IpAddr>> {
    element.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("for")
            .then(|| address(value.trim().trim_matches('"')))
    })
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`
/// or `[2001:db8::1]:4711`.
fn address(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse() {
        return Some(ip);
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    let (host, port) = text.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// A trusted proxy as an operator writes it: a CIDR (`10.0.0.0/8`) or a
/// single address (`10.0.0.5`).
pub fn parse_proxy(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{text:?} is not an address or a CIDR such as 10.0.0.0/8"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| parse_proxy(n).expect("net")).collect()
    }

    fn xff(v: &str) -> Vec<Option<IpAddr>> {
        ForwardedHeader::XForwardedFor.hops([v])
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_says() {
        let chain = xff("203.0.113.9");
        assert_eq!(
            client_address(ip("127.0.0.1"), &chain, &[]),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_address(ip("198.51.100.1"), &chain, &nets(&["10.0.0.0/8"])),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn trusted_hops_are_walked_from_the_right() {
        let trusted = nets(&["10.0.0.0/8", "127.0.0.1"]);
        // The client wrote "1.2.3.4" itself; our proxy appended 203.0.113.9.
        let chain = xff("1.2.3.4, 203.0.113.9, 10.0.0.7");
        assert_eq!(
            client_address(ip("127.0.0.1"), &chain, &trusted),
            ip("203.0.113.9")
        );
        // Only trusted hops: the leftmost of them.
        let chain = xff("10.0.0.8, 10.0.0.7");
        assert_eq!(
            client_address(ip("127.0.0.1"), &chain, &trusted),
            ip("10.0.0.8")
        );
        // No header: the peer.
        assert_eq!(
            client_address(ip("10.0.0.7"), &[], &trusted),
            ip("10.0.0.7")
        );
        // Garbage ends the walk at the last trusted hop.
        let chain = xff("203.0.113.9, junk, 10.0.0.7");
        assert_eq!(
            client_address(ip("127.0.0.1"), &chain, &trusted),
            ip("10.0.0.7")
        );
    }

    #[test]
    fn forwarded_elements_name_their_for() {
        let chain = ForwardedHeader::Forwarded.hops([
            "for=192.0.2.60;proto=https;by=203.0.113.43",
            "for=\"[2001:db8:cafe::17]:4711\"",
        ]);
        assert_eq!(
            chain,
            vec![Some(ip("192.0.2.60")), Some(ip("2001:db8:cafe::17"))]
        );
        let chain = ForwardedHeader::Forwarded.hops(["for=unknown, For=192.0.2.1:8080"]);
        assert_eq!(chain, vec![None, Some(ip("192.0.2.1"))]);
        assert!(ForwardedHeader::Forwarded.hops(["proto=https"]).is_empty());
    }

    #[test]
    fn only_the_header_the_proxies_write_is_read() {
        // Behind a proxy that appends to X-Forwarded-For, a client's own
        // `Forwarded: for=10.1.1.1` must not name the client.
        let trusted = nets(&["127.0.0.1"]);
        let header = ForwardedHeader::default();
        assert_eq!(header.name(), "x-forwarded-for");
        let chain = header.hops(["203.0.113.9"]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &chain, &trusted),
            ip("203.0.113.9")
        );
        assert_eq!("Forwarded".parse(), Ok(ForwardedHeader::Forwarded));
        assert_eq!(
            "x-forwarded-for".parse(),
            Ok(ForwardedHeader::XForwardedFor)
        );
        assert!("x-real-ip".parse::<ForwardedHeader>().is_err());
    }

    #[test]
    fn proxies_are_cidrs_or_addresses_and_typos_are_named() {
        assert_eq!(
            parse_proxy("10.0.0.5").expect("ip"),
            nets(&["10.0.0.5/32"])[0]
        );
        assert_eq!(parse_proxy("::1").expect("ip"), nets(&["::1/128"])[0]);
        let e = parse_proxy("10.0.0.0/33").expect_err("bad");
        assert!(e.contains("\"10.0.0.0/33\""), "{e}");
        assert!(parse_proxy("campus-proxy").is_err());
    }

    proptest! {
        /// However the client fills the header, it cannot move its address
        /// past the trusted proxy that wrote the last hop.
        #[test]
        fn a_client_cannot_choose_an_address_behind_a_trusted_proxy(
            spoofed in proptest::collection::vec("[0-9a-f.:, \\[\\]]{0,20}", 0..4),
            client in any::<[u8; 4]>(),
        ) {
            let trusted = nets(&["127.0.0.1"]);
            let real = IpAddr::from(client);
            prop_assume!(!trusted[0].contains(&real));
            let mut header = spoofed.join(", ");
            header.push_str(&format!(", {real}"));
            let got = client_address(ip("127.0.0.1"), &xff(&header), &trusted);
            prop_assert_eq!(got, real);
        }
    }
}
