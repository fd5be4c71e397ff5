//! Working days: weekends, official holidays (法定节假日) and make-up workdays (调休) from a
//! shipped calendar that users can extend.
