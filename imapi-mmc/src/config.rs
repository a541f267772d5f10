//! GET CONFIGURATION (46h): the current profile and the feature descriptors, with typed
//! bodies for the Profile List (0000h), CD Track at Once (002Dh) and CD Mastering (002Eh).

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use crate::cdb::{
    be16, be24, be32, bit, cdb_bytes, flag, head, head_mut, span_mut, split_mut, to_be24, Cdb,
    Direction, Reply, Request,
};
use crate::error::{CdbError, ReplyError};
use crate::macros::code_enum;

/// GET CONFIGURATION (46h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GetConfiguration {
    /// b1 bits 1–0 RT: 0 all features, 1 current ones, 2 only the one at `starting_feature`.
    pub request_type: u8,
    /// b2–3: the first feature to report.
    pub starting_feature: u16,
    /// b7–8: allocation length.
    pub alloc_len: u16,
}

impl Default for GetConfiguration {
    fn default() -> Self {
        GetConfiguration { request_type: 0, starting_feature: 0, alloc_len: 4096 }
    }
}

impl Request for GetConfiguration {
    const OPCODE: u8 = 0x46;
    const CDB_LEN: usize = 10;
    const NAME: &'static str = "GET CONFIGURATION";
    fn encode(&self) -> Cdb {
        let sf = self.starting_feature.to_be_bytes();
        let al = self.alloc_len.to_be_bytes();
        Cdb::new([Self::OPCODE, self.request_type & 0x03, sf[0], sf[1], 0, 0, 0, al[0], al[1], 0])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<10>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(GetConfiguration {
            request_type: b[1] & 0x03,
            starting_feature: be16([b[2], b[3]]),
            alloc_len: be16([b[7], b[8]]),
        })
    }
    fn direction(&self) -> Direction {
        Direction::In
    }
    fn transfer_len(&self) -> usize {
        usize::from(self.alloc_len)
    }
}

code_enum! {
    /// An MMC profile number.
    pub enum Profile(u16) {
        /// 0000h: no current profile (no medium).
        NoProfile = 0x0000,
        /// 0002h: removable disk.
        RemovableDisk = 0x0002,
        /// 0008h: CD-ROM.
        CdRom = 0x0008,
        /// 0009h: CD-R.
        CdR = 0x0009,
        /// 000Ah: CD-RW.
        CdRw = 0x000A,
        /// 0010h: DVD-ROM.
        DvdRom = 0x0010,
        /// 0011h: DVD-R sequential.
        DvdR = 0x0011,
        /// 0012h: DVD-RAM.
        DvdRam = 0x0012,
        /// 0040h: BD-ROM.
        BdRom = 0x0040,
    }
}

/// Feature codes with a typed body here.
pub mod feature_code {
    /// Profile List.
    pub const PROFILE_LIST: u16 = 0x0000;
    /// Core.
    pub const CORE: u16 = 0x0001;
    /// Removable Medium.
    pub const REMOVABLE_MEDIUM: u16 = 0x0003;
    /// CD Track at Once.
    pub const CD_TRACK_AT_ONCE: u16 = 0x002D;
    /// CD Mastering.
    pub const CD_MASTERING: u16 = 0x002E;
}

/// One profile in the Profile List feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProfileEntry {
    /// The profile.
    pub profile: Profile,
    /// b2.0 CurrentP.
    pub current: bool,
}

/// The body of feature 002Dh, CD Track at Once (byte 4 onwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TrackAtOnce {
    /// .6 BUF: buffer-underrun-free recording.
    pub buf: bool,
    /// .4 R-W raw.
    pub rw_raw: bool,
    /// .3 R-W pack.
    pub rw_pack: bool,
    /// .2 test write.
    pub test_write: bool,
    /// .1 CD-RW.
    pub cd_rw: bool,
    /// .0 R-W subcode.
    pub rw_subcode: bool,
    /// b6–7: data types supported.
    pub data_types: u16,
}

/// The body of feature 002Eh, CD Mastering (byte 4 onwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Mastering {
    /// .6 BUF.
    pub buf: bool,
    /// .5 SAO: session at once.
    pub sao: bool,
    /// .4 raw multisession.
    pub raw_ms: bool,
    /// .3 raw.
    pub raw: bool,
    /// .2 test write.
    pub test_write: bool,
    /// .1 CD-RW.
    pub cd_rw: bool,
    /// .0 R-W.
    pub rw: bool,
    /// b5–7: maximum cue sheet length.
    pub max_cue_len: u32,
}

/// A feature's body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FeatureBody {
    /// 0000h.
    ProfileList(Vec<ProfileEntry>),
    /// 002Dh with its 4-byte body.
    TrackAtOnce(TrackAtOnce),
    /// 002Eh with its 4-byte body.
    Mastering(Mastering),
    /// Any other feature, or one whose body has an unexpected length: the bytes as sent.
    Raw(Vec<u8>),
}

/// A feature descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Feature {
    /// b0–1: feature code.
    pub code: u16,
    /// b2 bits 5–2.
    pub version: u8,
    /// b2.1.
    pub persistent: bool,
    /// b2.0: current.
    pub current: bool,
    /// The additional data.
    pub body: FeatureBody,
}

impl Feature {
    fn body_len(&self) -> usize {
        match &self.body {
            FeatureBody::ProfileList(p) => 4 * p.len(),
            FeatureBody::TrackAtOnce(_) | FeatureBody::Mastering(_) => 4,
            FeatureBody::Raw(r) => r.len(),
        }
    }
}

/// The reply of GET CONFIGURATION.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Configuration {
    /// b6–7: the current profile.
    pub current_profile: Profile,
    /// The descriptors, in order.
    pub features: Vec<Feature>,
}

const HEADER_LEN: usize = 8;

impl Configuration {
    /// The feature with this code, if reported.
    pub fn feature(&self, code: u16) -> Option<&Feature> {
        self.features.iter().find(|f| f.code == code)
    }

    /// The profiles of the Profile List feature.
    pub fn profiles(&self) -> Vec<ProfileEntry> {
        match self.feature(feature_code::PROFILE_LIST).map(|f| &f.body) {
            Some(FeatureBody::ProfileList(p)) => p.clone(),
            _ => Vec::new(),
        }
    }

    /// The CD Track at Once feature, if present.
    pub fn track_at_once(&self) -> Option<TrackAtOnce> {
        match self.feature(feature_code::CD_TRACK_AT_ONCE).map(|f| &f.body) {
            Some(FeatureBody::TrackAtOnce(t)) => Some(*t),
            _ => None,
        }
    }

    /// The CD Mastering feature, if present.
    pub fn mastering(&self) -> Option<Mastering> {
        match self.feature(feature_code::CD_MASTERING).map(|f| &f.body) {
            Some(FeatureBody::Mastering(m)) => Some(*m),
            _ => None,
        }
    }
}

fn parse_body(code: u16, data: &[u8]) -> FeatureBody {
    match (code, data) {
        (feature_code::PROFILE_LIST, d) if d.len() % 4 == 0 => FeatureBody::ProfileList(
            d.chunks_exact(4)
                .filter_map(<[u8]>::first_chunk::<4>)
                .map(|p| ProfileEntry {
                    profile: Profile::from(be16([p[0], p[1]])),
                    current: bit(p[2], 0),
                })
                .collect(),
        ),
        (feature_code::CD_TRACK_AT_ONCE, &[b4, _, t0, t1]) => {
            FeatureBody::TrackAtOnce(TrackAtOnce {
                buf: bit(b4, 6),
                rw_raw: bit(b4, 4),
                rw_pack: bit(b4, 3),
                test_write: bit(b4, 2),
                cd_rw: bit(b4, 1),
                rw_subcode: bit(b4, 0),
                data_types: be16([t0, t1]),
            })
        }
        (feature_code::CD_MASTERING, &[b4, l0, l1, l2]) => FeatureBody::Mastering(Mastering {
            buf: bit(b4, 6),
            sao: bit(b4, 5),
            raw_ms: bit(b4, 4),
            raw: bit(b4, 3),
            test_write: bit(b4, 2),
            cd_rw: bit(b4, 1),
            rw: bit(b4, 0),
            max_cue_len: be24([l0, l1, l2]),
        }),
        (_, d) => FeatureBody::Raw(d.to_vec()),
    }
}

/// Writes a feature's body into `out`, cut to [`Feature::body_len`] bytes.
fn emit_body(body: &FeatureBody, out: &mut [u8]) -> Result<(), ReplyError> {
    const WHAT: &str = "feature descriptor";
    match body {
        FeatureBody::ProfileList(p) => {
            for (e, o) in p.iter().zip(out.chunks_exact_mut(4)) {
                let code = u16::from(e.profile).to_be_bytes();
                o.copy_from_slice(&[code[0], code[1], flag(e.current, 0), 0]);
            }
        }
        FeatureBody::TrackAtOnce(t) => {
            let b4 = flag(t.buf, 6)
                | flag(t.rw_raw, 4)
                | flag(t.rw_pack, 3)
                | flag(t.test_write, 2)
                | flag(t.cd_rw, 1)
                | flag(t.rw_subcode, 0);
            let d = t.data_types.to_be_bytes();
            *head_mut::<4>(out, WHAT)? = [b4, 0, d[0], d[1]];
        }
        FeatureBody::Mastering(m) => {
            let b4 = flag(m.buf, 6)
                | flag(m.sao, 5)
                | flag(m.raw_ms, 4)
                | flag(m.raw, 3)
                | flag(m.test_write, 2)
                | flag(m.cd_rw, 1)
                | flag(m.rw, 0);
            let l = to_be24(m.max_cue_len);
            *head_mut::<4>(out, WHAT)? = [b4, l[0], l[1], l[2]];
        }
        FeatureBody::Raw(r) => span_mut(out, 0..r.len(), WHAT)?.copy_from_slice(r),
    }
    Ok(())
}

impl Reply for Configuration {
    const WHAT: &'static str = "GET CONFIGURATION reply";

    /// Parses the header and every descriptor wholly inside both the buffer and the declared
    /// length: a drive declares its full length even when the allocation length cut it.
    fn parse(buf: &[u8]) -> Result<Self, ReplyError> {
        let h = head::<HEADER_LEN>(buf, Self::WHAT)?;
        let declared = u64::from(be32([h[0], h[1], h[2], h[3]])) + 4;
        if declared < HEADER_LEN as u64 {
            return Err(ReplyError::BadLength {
                what: Self::WHAT,
                declared: usize::try_from(declared).unwrap_or(usize::MAX),
                min: HEADER_LEN,
            });
        }
        // Everything declared was sent: then no descriptor may run past the end.
        let complete = declared <= buf.len() as u64;
        let end = usize::try_from(declared).unwrap_or(usize::MAX).min(buf.len());
        let mut rest = buf.get(HEADER_LEN..end).unwrap_or(&[]);
        let mut features = Vec::new();
        while let [c0, c1, b2, len, ..] = *rest {
            let total = 4 + usize::from(len);
            let Some(data) = rest.get(4..total) else {
                // A descriptor runs past what was sent.
                if complete {
                    return Err(ReplyError::BadLength {
                        what: "feature descriptor",
                        declared: total,
                        min: 4,
                    });
                }
                break;
            };
            let code = be16([c0, c1]);
            features.push(Feature {
                code,
                version: (b2 >> 2) & 0x0F,
                persistent: bit(b2, 1),
                current: bit(b2, 0),
                body: parse_body(code, data),
            });
            rest = rest.get(total..).unwrap_or(&[]);
        }
        if !rest.is_empty() && complete {
            return Err(ReplyError::BadLength {
                what: "feature descriptor",
                declared: rest.len(),
                min: 4,
            });
        }
        Ok(Configuration { current_profile: Profile::from(be16([h[6], h[7]])), features })
    }

    fn buffer_len(&self) -> usize {
        HEADER_LEN + self.features.iter().map(|f| 4 + f.body_len()).sum::<usize>()
    }

    fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError> {
        let n = self.buffer_len();
        let (h, mut rest) = split_mut::<HEADER_LEN>(buf, n, Self::WHAT)?;
        h.fill(0);
        rest.fill(0);
        let len = u32::try_from(n - 4)
            .map_err(|_| ReplyError::Unrepresentable { what: Self::WHAT, field: "data length" })?;
        h[0..4].copy_from_slice(&len.to_be_bytes());
        h[6..8].copy_from_slice(&u16::from(self.current_profile).to_be_bytes());
        for f in &self.features {
            let body = f.body_len();
            let add = u8::try_from(body).map_err(|_| ReplyError::Unrepresentable {
                what: "feature descriptor",
                field: "additional length",
            })?;
            let code = f.code.to_be_bytes();
            let b2 = (f.version & 0x0F) << 2 | flag(f.persistent, 1) | flag(f.current, 0);
            let (d, tail) = split_mut::<4>(rest, 4 + body, "feature descriptor")?;
            *d = [code[0], code[1], b2, add];
            emit_body(&f.body, tail)?;
            rest = core::mem::take(&mut rest).get_mut(4 + body..).unwrap_or_default();
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What QEMU's scsi-cd answers with a CD image: 40 bytes, current profile 0008h, profile
    /// list DVD-ROM then CD-ROM (current), Core (SCSI, DBE) and Removable Medium.
    static QEMU: [u8; 40] = [
        0, 0, 0, 36, 0, 0, 0x00, 0x08, // header
        0x00, 0x00, 0x03, 8, 0x00, 0x10, 0x00, 0x00, 0x00, 0x08, 0x01, 0x00, // profile list
        0x00, 0x01, 0x03, 8, 0, 0, 0, 1, 0x01, 0, 0, 0, // core
        0x00, 0x03, 0x03, 4, 0x29, 0, 0, 0x02, // removable medium
    ];

    #[test]
    fn qemu_configuration() {
        let c = Configuration::parse(&QEMU).unwrap();
        assert_eq!(c.current_profile, Profile::CdRom);
        assert_eq!(
            c.profiles(),
            vec![
                ProfileEntry { profile: Profile::DvdRom, current: false },
                ProfileEntry { profile: Profile::CdRom, current: true },
            ]
        );
        assert_eq!(c.features.len(), 3);
        assert!(c.track_at_once().is_none());
        assert_eq!(c.to_vec().unwrap(), QEMU);
    }

    #[test]
    fn recorder_features() {
        let bytes = [
            0, 0, 0, 20, 0, 0, 0x00, 0x09, // CD-R current
            0x00, 0x2D, 0x09, 4, 0x46, 0, 0x00, 0x01, // TAO: BUF, test write, CD-RW
            0x00, 0x2E, 0x09, 4, 0x66, 0x00, 0x0F, 0xFF, // SAO, BUF, test write, CD-RW, 4095
        ];
        let c = Configuration::parse(&bytes).unwrap();
        let t = c.track_at_once().unwrap();
        assert!(t.buf && t.test_write && t.cd_rw && !t.rw_raw);
        assert_eq!(t.data_types, 1);
        let m = c.mastering().unwrap();
        assert!(m.sao && m.buf && m.test_write && m.cd_rw && !m.raw);
        assert_eq!(m.max_cue_len, 4095);
        assert_eq!(c.features[0].version, 2);
        assert!(c.features[0].current);
        assert_eq!(c.to_vec().unwrap(), bytes);
    }

    #[test]
    fn cut_by_allocation_length() {
        // Declares 36 bytes after the length field; only 16 were sent: the partial descriptor
        // is dropped, the complete one kept.
        let c = Configuration::parse(&QEMU[..16]).unwrap();
        assert_eq!(c.current_profile, Profile::CdRom);
        assert!(c.features.is_empty());
        let c = Configuration::parse(&QEMU[..28]).unwrap();
        assert_eq!(c.features.len(), 1);
    }

    #[test]
    fn rejections() {
        assert_eq!(
            Configuration::parse(&QEMU[..7]),
            Err(ReplyError::Truncated { what: "GET CONFIGURATION reply", need: 8, got: 7 })
        );
        let mut b = QEMU;
        b[3] = 3;
        assert!(matches!(Configuration::parse(&b), Err(ReplyError::BadLength { declared: 7, .. })));
        // A descriptor that claims more than the declared whole.
        let mut b = QEMU;
        b[11] = 200;
        assert!(matches!(
            Configuration::parse(&b),
            Err(ReplyError::BadLength { what: "feature descriptor", .. })
        ));
    }

    #[test]
    fn golden_cdb() {
        let g = GetConfiguration { request_type: 2, starting_feature: 0x2E, alloc_len: 16 };
        assert_eq!(g.encode().as_bytes(), [0x46, 2, 0, 0x2E, 0, 0, 0, 0, 16, 0]);
    }
}
