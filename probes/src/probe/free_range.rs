//! A free block of subordinate ids, chosen as `useradd` chooses one (shadow 4.13:
//! libmisc/find_new_sub_uids.c and lib/subordinateio.c `find_free_range`): the lowest
//! `SUB_UID_COUNT` ids at or above `SUB_UID_MIN`, ending at most at `SUB_UID_MAX`, that no
//! line of the file holds. hostcap also keeps clear of ids real accounts have, which useradd
//! does not look at, because such a range is what `subid.contains_account_id` warns about.

use std::ops::Range;

use crate::probe::login_defs::LoginDefs;

/// Where a new block may lie, from login.defs; `max` is the last id allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub min: u64,
    pub max: u64,
    pub count: u64,
}

impl Limits {
    /// `SUB_UID_*` (`kind` "UID") or `SUB_GID_*` ("GID") with shadow's defaults.
    pub fn from_defs(defs: &LoginDefs, kind: &str) -> Self {
        Limits {
            min: defs.number(&format!("SUB_{kind}_MIN"), 100_000),
            max: defs.number(&format!("SUB_{kind}_MAX"), 600_100_000),
            count: defs.number(&format!("SUB_{kind}_COUNT"), 65_536),
        }
    }

    /// useradd's own check; it allocates nothing when this fails ("Invalid configuration:
    /// SUB_UID_MIN (…), SUB_UID_MAX (…), SUB_UID_COUNT (…)").
    pub fn valid(&self) -> bool {
        self.count > 0
            && self.min <= self.max
            && self.count < self.max
            && self
                .min
                .checked_add(self.count - 1)
                .is_some_and(|last| last <= self.max)
    }
}

/// The first id of the lowest block of `limits.count` ids in `limits.min..=limits.max` that
/// shares no id with any of `taken`; `None` when the limits are invalid or no block is free.
pub fn find(limits: Limits, taken: &[Range<u64>]) -> Option<u64> {
    if !limits.valid() {
        return None;
    }
    let mut taken: Vec<&Range<u64>> = taken.iter().filter(|r| r.start < r.end).collect();
    taken.sort_by_key(|r| (r.start, r.end));
    let end = limits.max.checked_add(1)?;
    let mut low = limits.min;
    for range in taken {
        let high = range.start.min(end);
        if high > low && high - low >= limits.count {
            return Some(low);
        }
        low = low.max(range.end);
        if low > limits.max {
            return None;
        }
    }
    (end - low >= limits.count).then_some(low)
}

#[cfg(test)]
// One taken range is a list of one range, not a mistaken range of numbers.
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const DEFAULTS: Limits = Limits {
        min: 100_000,
        max: 600_100_000,
        count: 65_536,
    };

    #[test]
    fn the_first_block_after_another_users_range_is_chosen() {
        // debian-12-vm-no-subid: bob holds 100000:65536.
        assert_eq!(find(DEFAULTS, &[100_000..165_536]), Some(165_536));
        assert_eq!(find(DEFAULTS, &[]), Some(100_000));
        // A hole too small is skipped, one large enough is filled.
        assert_eq!(
            find(DEFAULTS, &[100_010..165_536, 231_072..300_000]),
            Some(165_536)
        );
        // An account id inside the default block pushes it up.
        assert_eq!(find(DEFAULTS, &[100_500..100_501]), Some(100_501));
    }

    #[test]
    fn nothing_is_offered_when_the_space_is_full_or_the_limits_are_invalid() {
        let small = Limits {
            min: 100_000,
            max: 165_535,
            count: 65_536,
        };
        assert_eq!(find(small, &[]), Some(100_000));
        assert_eq!(find(small, &[150_000..150_001]), None);
        for limits in [
            Limits {
                count: 0,
                ..DEFAULTS
            },
            Limits {
                min: 700_000_000,
                ..DEFAULTS
            },
            Limits {
                max: 65_536,
                min: 0,
                count: 65_536,
            },
            Limits {
                max: u64::MAX,
                min: u64::MAX - 2,
                count: 5,
            },
        ] {
            assert!(!limits.valid(), "{limits:?}");
            assert_eq!(find(limits, &[]), None);
        }
    }

    fn limits() -> impl Strategy<Value = Limits> {
        (0u64..2_000, 1u64..300, 0u64..3_000).prop_map(|(min, count, span)| Limits {
            min,
            max: min + span,
            count,
        })
    }

    fn taken() -> impl Strategy<Value = Vec<Range<u64>>> {
        prop::collection::vec((0u64..3_500, 1u64..400), 0..10)
            .prop_map(|v| v.into_iter().map(|(s, n)| s..s + n).collect())
    }

    fn is_free(start: u64, limits: Limits, taken: &[Range<u64>]) -> bool {
        let block = start..start + limits.count;
        start >= limits.min
            && block.end - 1 <= limits.max
            && taken
                .iter()
                .all(|r| r.end <= block.start || block.end <= r.start)
    }

    proptest! {
        /// The block found lies within the limits, overlaps nothing taken, and no lower
        /// start would do; when none is found, no start at all would do.
        #[test]
        fn the_block_is_free_in_bounds_and_the_lowest(limits in limits(), taken in taken()) {
            let found = find(limits, &taken);
            if !limits.valid() {
                prop_assert_eq!(found, None);
                return Ok(());
            }
            let lowest = (limits.min..=limits.max).find(|&s| is_free(s, limits, &taken));
            prop_assert_eq!(found, lowest);
            if let Some(start) = found {
                prop_assert!(start >= limits.min);
                prop_assert!(start + limits.count - 1 <= limits.max);
                for range in &taken {
                    prop_assert!(range.end <= start || start + limits.count <= range.start);
                }
            }
        }

        /// Near the end of the id space the arithmetic neither overflows nor wraps.
        #[test]
        fn limits_at_the_top_of_u64_do_not_overflow(
            back in 0u64..1_000, count in 1u64..100, taken in taken(),
        ) {
            let limits = Limits { min: u64::MAX - back - count, max: u64::MAX - back, count };
            let shifted: Vec<Range<u64>> = taken
                .iter()
                .map(|r| limits.min.saturating_add(r.start)..limits.min.saturating_add(r.end))
                .collect();
            if let Some(start) = find(limits, &shifted) {
                prop_assert!(start >= limits.min);
                prop_assert!(start.checked_add(limits.count - 1).is_some_and(|last| last <= limits.max));
                for range in &shifted {
                    prop_assert!(range.end <= start || start + limits.count <= range.start);
                }
            }
        }
    }
}
