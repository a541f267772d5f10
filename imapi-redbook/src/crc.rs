//! The CRC-16 of the Q subchannel and of CD-Text packs: polynomial 0x1021, MSB first, initial
//! value 0, result inverted (the catalogue's CRC-16/GSM), stored big-endian.

/// The catalogue's CRC-16/GSM with sixteen tables of 256 entries (16 bytes a step: a CD-Text
/// pack's 16 bytes in one). A `const`, so the parameters fold into the code that uses it.
const CRC16: crc::Crc<u16, crc::Table<16>> = crc::Crc::<u16, crc::Table<16>>::new(&crc::CRC_16_GSM);

/// CRC-16 (0x1021, init 0, inverted) of `data`, as Q frames and CD-Text packs carry it.
pub fn crc16(data: &[u8]) -> u16 {
    CRC16.checksum(data)
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
