//! LEB128 varints: seven bits a byte, low bits first, the high bit set on every byte but the
//! last. The analysis' word spans store their small gaps this way, and the packed vectors their
//! counts above one.

/// Appends `v`.
pub fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads one varint from the front of `bytes` and moves past it. `bytes` must hold a whole
/// varint (the callers read only what [`put`] wrote).
#[inline]
pub fn read(bytes: &mut &[u8]) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = bytes[0];
        *bytes = &bytes[1..];
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

/// [`read`] for bytes that may be damaged (read back from a file): `None`, and `bytes` left
/// anywhere, when they end inside a varint or it does not fit in 64 bits.
pub fn try_read(bytes: &mut &[u8]) -> Option<u64> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let (&b, rest) = bytes.split_first()?;
        *bytes = rest;
        if shift > 63 || (shift == 63 && b > 1) {
            return None;
        }
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
        shift += 7;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_back_in_order() {
        let values = [0, 1, 127, 128, 300, 1 << 35, u64::MAX];
        let mut out = Vec::new();
        for v in values {
            put(&mut out, v);
        }
        assert_eq!(out[..4], [0, 1, 127, 0x80]);
        let mut rest = &out[..];
        for v in values {
            assert_eq!(read(&mut rest), v);
        }
        assert!(rest.is_empty());
        let mut rest = &out[..];
        for v in values {
            assert_eq!(try_read(&mut rest), Some(v));
        }
        assert_eq!(try_read(&mut rest), None, "nothing left");
        assert_eq!(try_read(&mut &[0x80][..]), None, "cut inside a varint");
        assert_eq!(try_read(&mut &[0xff; 10][..]), None, "more than 64 bits");
    }
}
