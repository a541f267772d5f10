//! Property tests: every CDB parses back to what it encodes; every reply that parses emits
//! bytes that parse to the same value and emit to the same bytes.

use imapi_mmc::*;
use proptest::prelude::*;

const OPCODES: [u8; 24] = [
    0x00, 0x03, 0x12, 0x1B, 0x1E, 0x25, 0x28, 0x2A, 0x35, 0x43, 0x46, 0x4A, 0x51, 0x52, 0x54, 0x55,
    0x5B, 0x5C, 0x5D, 0x5A, 0xA1, 0xAC, 0xBB, 0xBE,
];

fn cdb_bytes() -> impl Strategy<Value = Vec<u8>> {
    (prop::sample::select(OPCODES.to_vec()), prop::collection::vec(any::<u8>(), 15)).prop_map(
        |(op, mut rest)| {
            rest.insert(0, op);
            rest
        },
    )
}

/// Parse, emit, parse: the value survives and the canonical bytes are a fixed point.
fn fixed_point<R: Reply + PartialEq + std::fmt::Debug>(bytes: &[u8]) -> Result<(), TestCaseError> {
    let r = R::parse(bytes).map_err(|e| TestCaseError::fail(format!("{e}")))?;
    let once = r.to_vec().map_err(|e| TestCaseError::fail(format!("{e}")))?;
    let back = R::parse(&once).map_err(|e| TestCaseError::fail(format!("{e}")))?;
    prop_assert_eq!(&back, &r);
    prop_assert_eq!(back.to_vec().unwrap(), once);
    Ok(())
}

/// `n` random bytes with a big-endian length field at 0..2 counting the rest.
fn with_len16(body: Vec<u8>) -> Vec<u8> {
    let mut b = body;
    let n = (b.len() - 2) as u16;
    b[..2].copy_from_slice(&n.to_be_bytes());
    b
}

proptest! {
    #[test]
    fn every_cdb_parses_back(bytes in cdb_bytes()) {
        let c = Command::parse(&bytes).unwrap();
        let cdb = c.encode();
        prop_assert_eq!(cdb.opcode(), bytes[0]);
        prop_assert_eq!(Command::parse(cdb.as_bytes()).unwrap(), c);
        // Fields the command does not define are zero in the encoding.
        prop_assert!(cdb.as_bytes().len() <= bytes.len());
    }

    #[test]
    fn fixed_size_replies(mut b in prop::collection::vec(any::<u8>(), 36)) {
        fixed_point::<Capacity>(&b)?;
        b[4] = b[4].max(31);
        fixed_point::<InquiryData>(&b)?;
        let mut d = b.clone();
        d[..2].copy_from_slice(&32u16.to_be_bytes());
        fixed_point::<DiscInformation>(&d)?;
        let mut t = b.clone();
        t[..2].copy_from_slice(&34u16.to_be_bytes());
        fixed_point::<TrackInformation>(&t)?;
        let mut c = b[..12].to_vec();
        c[..2].copy_from_slice(&10u16.to_be_bytes());
        fixed_point::<BufferCapacity>(&c)?;
    }

    #[test]
    fn atip(mut b in prop::collection::vec(any::<u8>(), 28), m in 0u8..100, s in 0u8..60, f in 0u8..75) {
        b[..2].copy_from_slice(&26u16.to_be_bytes());
        b[8..11].copy_from_slice(&[m, s, f]);
        b[12..15].copy_from_slice(&[m, s, f]);
        fixed_point::<Atip>(&b)?;
    }

    #[test]
    fn tocs(n in 0usize..20, seed in prop::collection::vec(any::<u8>(), 4 + 11 * 20)) {
        let toc = with_len16(seed[..4 + 8 * n].to_vec());
        fixed_point::<TrackToc>(&toc)?;
        let full = with_len16(seed[..4 + 11 * n].to_vec());
        fixed_point::<FullToc>(&full)?;
        let text = with_len16(seed[..4 + 18 * (n / 2)].to_vec());
        fixed_point::<CdTextPacks>(&text)?;
        let session = with_len16(seed[..12].to_vec());
        fixed_point::<SessionToc>(&session)?;
    }

    #[test]
    fn toc_msf(n in 1usize..10, addrs in prop::collection::vec((0u8..100, 0u8..60, 0u8..75), 10), seed in prop::collection::vec(any::<u8>(), 80)) {
        let mut b = with_len16([&[0u8; 4][..], &seed[..8 * n]].concat());
        for (k, (m, s, f)) in addrs.iter().take(n).enumerate() {
            b[4 + 8 * k + 4..4 + 8 * k + 8].copy_from_slice(&[0, *m, *s, *f]);
        }
        let t = TrackToc::parse_with(&b, AddressForm::Msf).unwrap();
        let again = t.to_vec().unwrap();
        prop_assert_eq!(TrackToc::parse_with(&again, AddressForm::Msf).unwrap(), t);
    }

    #[test]
    fn configuration(profiles in prop::collection::vec((any::<u16>(), any::<bool>()), 0..8),
                     tao in any::<[u8; 4]>(), mastering in any::<[u8; 4]>(),
                     raw in prop::collection::vec(any::<u8>(), 0..40), current in any::<u16>()) {
        let mut b = vec![0, 0, 0, 0, 0, 0];
        b.extend_from_slice(&current.to_be_bytes());
        b.extend_from_slice(&[0, 0, 0x03, (profiles.len() * 4) as u8]);
        for (p, c) in &profiles {
            b.extend_from_slice(&p.to_be_bytes());
            b.extend_from_slice(&[u8::from(*c), 0]);
        }
        b.extend_from_slice(&[0, 0x2D, 0x09, 4]);
        b.extend_from_slice(&tao);
        b.extend_from_slice(&[0, 0x2E, 0x09, 4]);
        b.extend_from_slice(&mastering);
        b.extend_from_slice(&[0x01, 0x07, 0x00, raw.len() as u8]);
        b.extend_from_slice(&raw);
        let n = (b.len() - 4) as u32;
        b[..4].copy_from_slice(&n.to_be_bytes());
        let c = Configuration::parse(&b).unwrap();
        prop_assert_eq!(c.profiles().len(), profiles.len());
        prop_assert!(c.track_at_once().is_some() && c.mastering().is_some());
        fixed_point::<Configuration>(&b)?;
    }

    #[test]
    fn mode_pages(page05 in any::<[u8; 50]>(), caps in prop::collection::vec(any::<u8>(), 18..40), speeds in 0usize..4) {
        // Page 05h in canonical form: reserved bytes zero, no MCN/ISRC.
        let mut w = vec![0x05, 0x32];
        w.extend_from_slice(&page05);
        for i in [6, 9] { w[i] = 0; }
        w[16..48].fill(0);
        w[0] &= 0x3F; w[2] &= 0x7F; w[4] &= 0x0F; w[7] &= 0x3F;
        let mut c = vec![0x2A, 0];
        c.extend_from_slice(&caps);
        c.truncate(32);
        if c.len() >= 32 {
            c[30..32].copy_from_slice(&(speeds as u16).to_be_bytes());
            for k in 0..speeds { c.extend_from_slice(&[0, (k & 3) as u8, k as u8, 0x10]); }
        }
        c[1] = (c.len() - 2) as u8;
        let mut list = vec![0u8; 8];
        list.extend_from_slice(&w);
        list.extend_from_slice(&c);
        let n = (list.len() - 2) as u16;
        list[..2].copy_from_slice(&n.to_be_bytes());
        let m = ModeData::parse(&list).unwrap();
        prop_assert!(matches!(m.page(0x05), Some(ModePage::WriteParameters(_))), "{:?}", m.page(0x05));
        prop_assert!(c.len() == 31 || matches!(m.page(0x2A), Some(ModePage::Capabilities(_))), "{:?}", m.page(0x2A));
        fixed_point::<ModeData>(&list)?;
    }

    #[test]
    fn write_speeds(n in 0usize..6, seed in prop::collection::vec(any::<u8>(), 8 + 16 * 6)) {
        let mut b = seed[..8 + 16 * n].to_vec();
        let len = (b.len() - 4) as u32;
        b[..4].copy_from_slice(&len.to_be_bytes());
        fixed_point::<WriteSpeeds>(&b)?;
    }

    #[test]
    fn cue_sheets(times in prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>(), 0u8..100, 0u8..60, 0u8..75), 1..30)) {
        let mut b = Vec::new();
        for (ctl, tno, idx, form, m, s, f) in times {
            b.extend_from_slice(&[(ctl & 0xF0) | 1, tno, idx, form, 0, m, s, f]);
        }
        fixed_point::<CueSheet>(&b)?;
    }

    #[test]
    fn sense(key in 0u8..16, asc in any::<u8>(), ascq in any::<u8>(), info in proptest::option::of(any::<u32>()),
             ili in any::<bool>(), progress in proptest::option::of(any::<u16>()), descriptor in any::<bool>()) {
        let key = SenseKey::from(key);
        let progress = progress.filter(|_| matches!(key, SenseKey::NoSense | SenseKey::NotReady));
        let s = Sense {
            format: if descriptor { SenseFormat::Descriptor } else { SenseFormat::Fixed },
            deferred: false,
            key,
            asc,
            ascq,
            information: info.map(u64::from),
            ili,
            progress,
        };
        let b = s.to_vec().unwrap();
        prop_assert_eq!(Sense::parse(&b).unwrap(), s);
    }

    #[test]
    fn vpd_pages(qt in any::<u8>(), body in prop::collection::vec(any::<u8>(), 0..=255), tail in prop::collection::vec(any::<u8>(), 0..8)) {
        for page in [0x00u8, 0x80] {
            let mut b = vec![qt, page, 0, body.len() as u8];
            b.extend_from_slice(&body);
            let declared = b.len();
            b.extend_from_slice(&tail);
            if page == 0x80 {
                fixed_point::<UnitSerialNumber>(&b)?;
                let p = UnitSerialNumber::parse(&b).unwrap();
                prop_assert_eq!(p.to_vec().unwrap(), &b[..declared]);
                prop_assert_eq!(&p.serial, &body);
            } else {
                fixed_point::<SupportedVpdPages>(&b)?;
                let p = SupportedVpdPages::parse(&b).unwrap();
                prop_assert_eq!(p.to_vec().unwrap(), &b[..declared]);
            }
        }
        // A serial number emits as it parses.
        let s = UnitSerialNumber { serial: body.clone(), ..UnitSerialNumber::mmc("") };
        prop_assert_eq!(UnitSerialNumber::parse(&s.to_vec().unwrap()).unwrap(), s);
    }

    #[test]
    fn no_parser_panics(data in prop::collection::vec(any::<u8>(), 0..300)) {
        imapi_mmc::fuzzing::replies(&data);
    }
}
