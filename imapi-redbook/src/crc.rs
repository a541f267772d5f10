//! The CRC-16 of the Q subchannel and of CD-Text packs: polynomial 0x1021, MSB first, initial
//! value 0, result inverted (the catalogue's CRC-16/GSM), stored big-endian.

const fn table() -> [u16; 256] {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x1021 } else { crc << 1 };
            bit += 1;
        }
        t[i] = crc;
        i += 1;
    }
    t
}

static TABLE: [u16; 256] = table();

/// CRC-16 (0x1021, init 0, inverted) of `data`, as Q frames and CD-Text packs carry it.
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in data {
        crc = (crc << 8) ^ TABLE[usize::from((crc >> 8) as u8 ^ b)];
    }
    !crc
}

#[cfg(test)]
mod tests {
    #[test]
    fn catalogue_check_value() {
        assert_eq!(super::crc16(b"123456789"), 0xCE3C);
    }

    #[test]
    fn q_frame_vector() {
        let q = [0x01, 0x01, 0x01, 0, 0, 0, 0, 0, 0x02, 0];
        assert_eq!(super::crc16(&q).to_be_bytes(), [0x5A, 0x28]);
    }
}
