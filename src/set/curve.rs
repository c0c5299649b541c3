//! The energy a set should have at each minute: a named shape stretched over the set, or the
//! DJ's own points, linear between them, on the blueprint's 1-10 scale.

/// A named shape: its name, what it does (for messages), and (share of the set, energy) points.
pub type Shape = (&'static str, &'static str, &'static [(f64, f64)]);

/// The named shapes; `set --help` describes them in the same words.
pub const SHAPES: &[Shape] = &[
    (
        "warmup",
        "builds from 3 to 7 and never peaks: opening for another DJ",
        &[(0.0, 3.0), (0.7, 6.0), (1.0, 7.0)],
    ),
    (
        "peak",
        "builds from 4 to 9 two thirds in, holds it, lands at 7",
        &[(0.0, 4.0), (0.65, 9.0), (0.85, 9.0), (1.0, 7.0)],
    ),
    (
        "journey",
        "waves: up to 7, back down to 5, up to 9, down to 5",
        &[(0.0, 4.0), (0.3, 7.0), (0.45, 5.0), (0.8, 9.0), (1.0, 5.0)],
    ),
    (
        "closing",
        "starts at 8, one last peak at 9, winds down to 3",
        &[(0.0, 8.0), (0.3, 9.0), (1.0, 3.0)],
    ),
];

/// Target energies by minute.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// (minute, energy), minutes rising.
    points: Vec<(f64, f64)>,
}

impl Curve {
    /// A named shape stretched over `minutes`, or points `MIN:ENERGY,…`.
    /// A mistake is said as "TEXT": why, for the caller to name the flag or key.
    pub fn parse(text: &str, minutes: f64) -> Result<Curve, String> {
        let text = text.trim();
        if let Some((_, _, shape)) = SHAPES.iter().find(|(name, ..)| name == &text) {
            let points = shape.iter().map(|&(at, e)| (at * minutes, e)).collect();
            return Ok(Curve { points });
        }
        if !text.contains(':') {
            let names: Vec<&str> = SHAPES.iter().map(|(name, ..)| *name).collect();
            return Err(format!(
                "{text:?}: not a shape ({}) nor points such as 0:3,30:6,50:9,60:7",
                names.join(", ")
            ));
        }
        let points = text
            .split(',')
            .map(|point| point_of(text, point))
            .collect::<Result<Vec<_>, _>>()?;
        if points.windows(2).any(|w| w[1].0 <= w[0].0) {
            return Err(format!(
                "{text:?}: the minutes must rise from point to point"
            ));
        }
        Ok(Curve { points })
    }

    /// The target at `minute`: linear between points, flat before the first and after the last.
    pub fn at(&self, minute: f64) -> f64 {
        let (first, last) = match (self.points.first(), self.points.last()) {
            (Some(first), Some(last)) => (*first, *last),
            _ => return 5.0,
        };
        if minute <= first.0 {
            return first.1;
        }
        if minute >= last.0 {
            return last.1;
        }
        let after = self.points.partition_point(|p| p.0 <= minute);
        let (a, b) = (self.points[after - 1], self.points[after]);
        a.1 + (b.1 - a.1) * (minute - a.0) / (b.0 - a.0)
    }

    /// The lowest and highest target from minute `from` to minute `to`: the ends and every
    /// point between.
    pub fn range(&self, from: f64, to: f64) -> (f64, f64) {
        let inside = self.points.iter().filter(|p| p.0 > from && p.0 < to);
        let ends = [self.at(from), self.at(to)];
        inside
            .map(|p| p.1)
            .chain(ends)
            .fold((f64::MAX, f64::MIN), |(lo, hi), e| (lo.min(e), hi.max(e)))
    }

    /// The highest target anywhere on the curve.
    pub fn top(&self) -> f64 {
        self.points.iter().map(|p| p.1).fold(1.0, f64::max)
    }
}

fn point_of(text: &str, point: &str) -> Result<(f64, f64), String> {
    let bad = |why: &str| format!("{text:?}: {point:?} {why}");
    let (minute, energy) = point
        .split_once(':')
        .ok_or_else(|| bad("is not MIN:ENERGY"))?;
    let number = |s: &str| s.trim().parse::<f64>().ok().filter(|n| n.is_finite());
    let minute = number(minute)
        .filter(|m| *m >= 0.0)
        .ok_or_else(|| bad("has no minute (0 or more)"))?;
    let energy = number(energy)
        .filter(|e| (1.0..=10.0).contains(e))
        .ok_or_else(|| bad("has no energy from 1 to 10"))?;
    Ok((minute, energy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_linear_between_and_flat_outside() {
        let curve = Curve::parse("0:3,30:6,50:9,60:7", 60.0).unwrap();
        assert_eq!(curve.at(0.0), 3.0);
        assert_eq!(curve.at(15.0), 4.5);
        assert_eq!(curve.at(40.0), 7.5);
        assert_eq!(curve.at(55.0), 8.0);
        assert_eq!(curve.at(90.0), 7.0);
        assert_eq!(curve.top(), 9.0);
        assert_eq!(curve.range(10.0, 20.0), (4.0, 5.0));
        assert_eq!(curve.range(45.0, 58.0), (7.4, 9.0));
        assert_eq!(curve.range(70.0, 80.0), (7.0, 7.0));
    }

    #[test]
    fn shapes_stretch_over_the_set() {
        let peak = Curve::parse("peak", 120.0).unwrap();
        assert_eq!(peak.at(0.0), 4.0);
        assert_eq!(peak.at(78.0), 9.0);
        assert_eq!(peak.at(120.0), 7.0);
        assert_eq!(Curve::parse("warmup", 60.0).unwrap().at(60.0), 7.0);
    }

    #[test]
    fn mistakes_are_usage_errors() {
        for bad in ["loud", "0:3,x:5", "0:3,10:11", "10:3,5:5", "0:3;5:5"] {
            assert!(Curve::parse(bad, 60.0).is_err(), "{bad}");
        }
    }
}
