//! CD-Text in the lead-in: packs as the R–W subchannel carries them.
//!
//! Four 18-byte packs (576 bits) make one block's 96 subchannel symbols: each symbol takes six
//! bits, most significant first, into bits 5–0 of its byte (bits 7–6, the P and Q channels,
//! stay 0). The pack list repeats from the lead-in's start up to LBA −150, four packs a block,
//! the cycle running on across blocks; this is the 96-byte unit a recorder takes for a lead-in
//! whose cue sheet entry says "R–W packed" (data form 0x41).

use crate::cdtext::{Pack, PACK_LEN};

/// Bytes of subchannel per block.
pub const PW_LEN: usize = 96;

/// Packs per block.
pub const PACKS_PER_BLOCK: usize = 4;

/// The 96-byte subchannel unit of four packs.
pub fn pw_unit(packs: &[Pack; PACKS_PER_BLOCK]) -> [u8; PW_LEN] {
    let mut bits = [0u8; PACK_LEN * PACKS_PER_BLOCK];
    for (k, p) in packs.iter().enumerate() {
        bits[k * PACK_LEN..(k + 1) * PACK_LEN].copy_from_slice(&p.0);
    }
    let mut out = [0u8; PW_LEN];
    for (i, sym) in out.iter_mut().enumerate() {
        // Symbol i holds bits 6i .. 6i+6 of the 72 bytes.
        let bit = i * 6;
        let (byte, shift) = (bit / 8, bit % 8);
        let word = u16::from(bits[byte]) << 8 | u16::from(bits.get(byte + 1).copied().unwrap_or(0));
        *sym = ((word >> (10 - shift)) & 0x3F) as u8;
    }
    out
}

/// The four packs of a 96-byte unit (bits 7–6 of each byte ignored).
pub fn packs_of_unit(unit: &[u8; PW_LEN]) -> [Pack; PACKS_PER_BLOCK] {
    let mut bits = [0u8; PACK_LEN * PACKS_PER_BLOCK];
    for (i, sym) in unit.iter().enumerate() {
        let v = u32::from(sym & 0x3F);
        let bit = i * 6;
        let (byte, shift) = (bit / 8, bit % 8);
        // Six bits starting `shift` bits into `byte`, spilling into the next byte.
        let spread = v << (18 - shift);
        bits[byte] |= (spread >> 16) as u8;
        if let Some(b) = bits.get_mut(byte + 1) {
            *b |= (spread >> 8) as u8;
        }
    }
    let mut out = [Pack([0; PACK_LEN]); PACKS_PER_BLOCK];
    for (k, p) in out.iter_mut().enumerate() {
        p.0.copy_from_slice(&bits[k * PACK_LEN..(k + 1) * PACK_LEN]);
    }
    out
}

/// The subchannel of `blocks` lead-in blocks: the packs repeated cyclically, four a block.
/// Empty when there are no packs.
pub fn lead_in_units(packs: &[Pack], blocks: usize) -> Vec<[u8; PW_LEN]> {
    if packs.is_empty() {
        return Vec::new();
    }
    let mut cycle = packs.iter().copied().cycle();
    (0..blocks)
        .map(|_| {
            let four = [(); PACKS_PER_BLOCK].map(|()| cycle.next().unwrap_or(Pack([0; PACK_LEN])));
            pw_unit(&four)
        })
        .collect()
}

/// The pack list carried by a lead-in: the packs of the units in order, up to where the
/// list starts over (the first pack seen again at a sequence boundary), duplicates and
/// packs with a bad CRC left out.
pub fn packs_of_lead_in(units: &[[u8; PW_LEN]]) -> Vec<Pack> {
    let mut out: Vec<Pack> = Vec::new();
    for unit in units {
        for p in packs_of_unit(unit) {
            if !p.crc_ok() {
                continue;
            }
            if out.first() == Some(&p) {
                return out;
            }
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack(n: u8) -> Pack {
        Pack::new([0x80, n, n, 0], [n; 12])
    }

    #[test]
    fn four_packs_make_96_six_bit_symbols_and_back() {
        let packs = [pack(1), pack(2), pack(3), pack(4)];
        let unit = pw_unit(&packs);
        assert!(unit.iter().all(|b| b & 0xC0 == 0), "P and Q stay clear");
        // The first pack byte 0x80 = 100000|00: symbol 0 is 0b100000.
        assert_eq!(unit[0], 0b10_0000);
        assert_eq!(packs_of_unit(&unit), packs);
        let mut dirty = unit;
        for b in &mut dirty {
            *b |= 0xC0;
        }
        assert_eq!(packs_of_unit(&dirty), packs, "P and Q bits are ignored");
    }

    #[test]
    fn the_list_cycles_across_blocks_and_is_found_again() {
        let packs: Vec<Pack> = (0..6).map(pack).collect();
        let units = lead_in_units(&packs, 10);
        assert_eq!(units.len(), 10);
        assert_eq!(packs_of_unit(&units[1])[..2], [pack(4), pack(5)]);
        assert_eq!(packs_of_unit(&units[1])[2..], [pack(0), pack(1)]);
        assert_eq!(packs_of_lead_in(&units), packs);
        assert!(lead_in_units(&[], 5).is_empty());
    }

    proptest::proptest! {
        #[test]
        fn any_pack_list_round_trips(
            payloads in proptest::collection::vec(proptest::array::uniform12(0u8..), 1..60),
        ) {
            // Sequence numbers make every pack of a list distinct, as in a real one.
            let packs: Vec<Pack> = payloads
                .iter()
                .enumerate()
                .map(|(i, p)| Pack::new([0x80, 0, i as u8, 0], *p))
                .collect();
            let blocks = packs.len().div_ceil(PACKS_PER_BLOCK) + 3;
            let units = lead_in_units(&packs, blocks);
            proptest::prop_assert_eq!(packs_of_lead_in(&units), packs);
        }
    }
}
