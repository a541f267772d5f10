//! Speeds: SET CD SPEED (BBh) and GET PERFORMANCE (ACh) for write speeds.

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
    be16, be32, bit, cdb_bytes, flag, head, split_mut, Cdb, Direction, Reply, Request,
};
use crate::error::{CdbError, ReplyError};

/// 1× CD speed in kB/s as hosts count it (176.4 rounded up).
pub const CD_1X_KBPS: u16 = 177;
/// "As fast as possible" in SET CD SPEED.
pub const MAX_SPEED: u16 = 0xFFFF;

/// SET CD SPEED (BBh).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SetCdSpeed {
    /// b1 bits 1–0: rotational control (0 CLV).
    pub rotation: u8,
    /// b2–3: read speed, kB/s.
    pub read_speed: u16,
    /// b4–5: write speed, kB/s.
    pub write_speed: u16,
}

impl SetCdSpeed {
    /// Read at maximum speed and write at `n`× (0 = maximum).
    pub fn write_multiple(n: u16) -> SetCdSpeed {
        let write = if n == 0 { MAX_SPEED } else { n.saturating_mul(CD_1X_KBPS) };
        SetCdSpeed { rotation: 0, read_speed: MAX_SPEED, write_speed: write }
    }
}

impl Request for SetCdSpeed {
    const OPCODE: u8 = 0xBB;
    const CDB_LEN: usize = 12;
    const NAME: &'static str = "SET CD SPEED";
    fn encode(&self) -> Cdb {
        let r = self.read_speed.to_be_bytes();
        let w = self.write_speed.to_be_bytes();
        Cdb::new([Self::OPCODE, self.rotation & 0x03, r[0], r[1], w[0], w[1], 0, 0, 0, 0, 0, 0])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<12>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(SetCdSpeed {
            rotation: b[1] & 0x03,
            read_speed: be16([b[2], b[3]]),
            write_speed: be16([b[4], b[5]]),
        })
    }
    fn direction(&self) -> Direction {
        Direction::None
    }
    fn transfer_len(&self) -> usize {
        0
    }
}

/// The GET PERFORMANCE type for write speed descriptors.
pub const WRITE_SPEED_TYPE: u8 = 0x03;

/// GET PERFORMANCE (ACh).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GetPerformance {
    /// b1 bits 4–0: data type (ignored for write speeds).
    pub data_type: u8,
    /// b2–5: starting LBA.
    pub lba: u32,
    /// b8–9: maximum number of descriptors.
    pub max_descriptors: u16,
    /// b10: type (03h = write speed).
    pub kind: u8,
}

impl GetPerformance {
    /// Up to `n` write speed descriptors.
    pub const fn write_speeds(n: u16) -> GetPerformance {
        GetPerformance { data_type: 0, lba: 0, max_descriptors: n, kind: WRITE_SPEED_TYPE }
    }
}

impl Request for GetPerformance {
    const OPCODE: u8 = 0xAC;
    const CDB_LEN: usize = 12;
    const NAME: &'static str = "GET PERFORMANCE";
    fn encode(&self) -> Cdb {
        let l = self.lba.to_be_bytes();
        let m = self.max_descriptors.to_be_bytes();
        Cdb::new([
            Self::OPCODE,
            self.data_type & 0x1F,
            l[0],
            l[1],
            l[2],
            l[3],
            0,
            0,
            m[0],
            m[1],
            self.kind,
            0,
        ])
    }
    fn parse(cdb: &[u8]) -> Result<Self, CdbError> {
        let b = cdb_bytes::<12>(cdb, Self::NAME, Self::OPCODE)?;
        Ok(GetPerformance {
            data_type: b[1] & 0x1F,
            lba: be32([b[2], b[3], b[4], b[5]]),
            max_descriptors: be16([b[8], b[9]]),
            kind: b[10],
        })
    }
    fn direction(&self) -> Direction {
        Direction::In
    }
    fn transfer_len(&self) -> usize {
        PERFORMANCE_HEADER_LEN + WRITE_SPEED_LEN * usize::from(self.max_descriptors)
    }
}

/// Length of the GET PERFORMANCE header.
pub const PERFORMANCE_HEADER_LEN: usize = 8;
/// Length of one write speed descriptor.
pub const WRITE_SPEED_LEN: usize = 16;

/// One write speed descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WriteSpeed {
    /// b0 bits 4–3: write rotation control.
    pub wrc: u8,
    /// b0.2 RDD: restore drive defaults.
    pub rdd: bool,
    /// b0.1: exact.
    pub exact: bool,
    /// b0.0: MRW.
    pub mrw: bool,
    /// b4–7: end LBA (capacity) of the medium.
    pub end_lba: u32,
    /// b8–11: read speed, kB/s.
    pub read_speed: u32,
    /// b12–15: write speed, kB/s.
    pub write_speed: u32,
}

/// The reply of GET PERFORMANCE type 03h: the write speeds of the loaded medium.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WriteSpeeds {
    /// b4.1: write.
    pub write: bool,
    /// b4.0: except.
    pub except: bool,
    /// The descriptors.
    pub speeds: Vec<WriteSpeed>,
}

impl Reply for WriteSpeeds {
    const WHAT: &'static str = "write speed performance data";

    fn parse(buf: &[u8]) -> Result<Self, ReplyError> {
        let h = head::<PERFORMANCE_HEADER_LEN>(buf, Self::WHAT)?;
        let declared = u64::from(be32([h[0], h[1], h[2], h[3]])) + 4;
        if declared < PERFORMANCE_HEADER_LEN as u64
            || (declared - PERFORMANCE_HEADER_LEN as u64) % WRITE_SPEED_LEN as u64 != 0
        {
            return Err(ReplyError::BadLength {
                what: Self::WHAT,
                declared: usize::try_from(declared).unwrap_or(usize::MAX),
                min: PERFORMANCE_HEADER_LEN,
            });
        }
        let end = usize::try_from(declared).unwrap_or(usize::MAX).min(buf.len());
        let speeds = buf
            .get(PERFORMANCE_HEADER_LEN..end)
            .unwrap_or(&[])
            .chunks_exact(WRITE_SPEED_LEN)
            .filter_map(<[u8]>::first_chunk::<WRITE_SPEED_LEN>)
            .map(|d| WriteSpeed {
                wrc: (d[0] >> 3) & 0x03,
                rdd: bit(d[0], 2),
                exact: bit(d[0], 1),
                mrw: bit(d[0], 0),
                end_lba: be32([d[4], d[5], d[6], d[7]]),
                read_speed: be32([d[8], d[9], d[10], d[11]]),
                write_speed: be32([d[12], d[13], d[14], d[15]]),
            })
            .collect();
        Ok(WriteSpeeds { write: bit(h[4], 1), except: bit(h[4], 0), speeds })
    }

    fn buffer_len(&self) -> usize {
        PERFORMANCE_HEADER_LEN + WRITE_SPEED_LEN * self.speeds.len()
    }

    fn emit(&self, buf: &mut [u8]) -> Result<usize, ReplyError> {
        let n = self.buffer_len();
        let (h, out) = split_mut::<PERFORMANCE_HEADER_LEN>(buf, n, Self::WHAT)?;
        h.fill(0);
        out.fill(0);
        let len = u32::try_from(n - 4)
            .map_err(|_| ReplyError::Unrepresentable { what: Self::WHAT, field: "data length" })?;
        h[..4].copy_from_slice(&len.to_be_bytes());
        h[4] = flag(self.write, 1) | flag(self.except, 0);
        let descriptors = out
            .chunks_exact_mut(WRITE_SPEED_LEN)
            .filter_map(<[u8]>::first_chunk_mut::<WRITE_SPEED_LEN>);
        for (s, d) in self.speeds.iter().zip(descriptors) {
            d[0] = (s.wrc & 0x03) << 3 | flag(s.rdd, 2) | flag(s.exact, 1) | flag(s.mrw, 0);
            d[4..8].copy_from_slice(&s.end_lba.to_be_bytes());
            d[8..12].copy_from_slice(&s.read_speed.to_be_bytes());
            d[12..16].copy_from_slice(&s.write_speed.to_be_bytes());
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden() {
        // 8× write = 8 × 177 = 1416 kB/s; read at maximum.
        assert_eq!(
            SetCdSpeed::write_multiple(8).encode().as_bytes(),
            [0xBB, 0, 0xFF, 0xFF, 0x05, 0x88, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            GetPerformance::write_speeds(4).encode().as_bytes(),
            [0xAC, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0x03, 0]
        );
        let w = WriteSpeeds {
            write: false,
            except: false,
            speeds: vec![WriteSpeed {
                wrc: 0,
                rdd: false,
                exact: true,
                mrw: false,
                end_lba: 359_849,
                read_speed: 7056,
                write_speed: 4234,
            }],
        };
        let b = w.to_vec().unwrap();
        assert_eq!(&b[..8], &[0, 0, 0, 20, 0, 0, 0, 0]);
        assert_eq!(&b[8..12], &[0x02, 0, 0, 0]);
        assert_eq!(WriteSpeeds::parse(&b).unwrap(), w);
    }

    #[test]
    fn rejections() {
        assert!(matches!(WriteSpeeds::parse(&[0; 7]), Err(ReplyError::Truncated { need: 8, .. })));
        assert!(matches!(
            WriteSpeeds::parse(&[0, 0, 0, 5, 0, 0, 0, 0, 0]),
            Err(ReplyError::BadLength { declared: 9, .. })
        ));
    }
}
