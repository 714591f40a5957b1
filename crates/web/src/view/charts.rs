//! The geometry of the server-rendered SVG charts: rate bars and roll columns.

use classtrack_proto::v1::RollCounts;

use super::percent;
use crate::lang;

/// Horizontal bars of attendance rates, one per row (e.g. per course).
pub struct RateChart {
    pub height: u32,
    pub bars: Vec<RateBar>,
}

pub struct RateBar {
    pub label: String,
    pub value: String,
    pub y: u32,
    pub width: f64,
    pub class: &'static str,
}

/// Plot area width of a rate bar at 100 %.
pub const RATE_BAR_SPAN: f64 = 180.0;

impl RateChart {
    pub fn new(rows: impl IntoIterator<Item = (String, f64)>) -> Self {
        let bars: Vec<RateBar> = rows
            .into_iter()
            .enumerate()
            .map(|(i, (label, rate))| {
                let rate = if rate.is_finite() {
                    rate.clamp(0.0, 1.0)
                } else {
                    0.0
                };
                RateBar {
                    label,
                    value: percent(rate),
                    y: 10 + 34 * u32::try_from(i).unwrap_or(0),
                    width: (rate * RATE_BAR_SPAN).max(1.0),
                    class: if rate >= 0.8 {
                        "good"
                    } else if rate >= 0.6 {
                        "fair"
                    } else {
                        "poor"
                    },
                }
            })
            .collect();
        let height = 20 + 34 * u32::try_from(bars.len()).unwrap_or(0);
        Self { height, bars }
    }
}

/// Stacked columns of a roll per session: present, late, excused, absent.
pub struct RollChart {
    pub width: u32,
    pub columns: Vec<RollColumn>,
}

pub struct RollColumn {
    pub label: String,
    pub title: String,
    pub x: f64,
    pub width: f64,
    pub segments: Vec<Segment>,
}

pub struct Segment {
    pub y: f64,
    pub height: f64,
    pub class: &'static str,
}

/// Plot height of a full column.
pub const ROLL_PLOT_HEIGHT: f64 = 160.0;
const ROLL_TOP: f64 = 10.0;

impl RollChart {
    pub fn new(columns: impl IntoIterator<Item = (String, RollCounts)>) -> Self {
        let columns: Vec<(String, RollCounts)> = columns.into_iter().collect();
        let step = 44.0;
        let cols = columns
            .into_iter()
            .enumerate()
            .map(|(i, (label, c))| {
                let parts = [
                    (c.present, "present"),
                    (c.late, "late"),
                    (c.excused, "excused"),
                    (c.absent, "absent"),
                ];
                let total = f64::from(c.enrolled.max(parts.iter().map(|p| p.0).sum()).max(1));
                let mut bottom = ROLL_TOP + ROLL_PLOT_HEIGHT;
                let segments = parts
                    .iter()
                    .filter(|(n, _)| *n > 0)
                    .map(|&(n, class)| {
                        let height = f64::from(n) / total * ROLL_PLOT_HEIGHT;
                        bottom -= height;
                        Segment {
                            y: bottom,
                            height,
                            class,
                        }
                    })
                    .collect();
                RollColumn {
                    title: lang::t_args(
                        "chart-roll-column",
                        &[
                            ("session", label.as_str().into()),
                            ("present", c.present.into()),
                            ("late", c.late.into()),
                            ("excused", c.excused.into()),
                            ("absent", c.absent.into()),
                        ],
                    ),
                    label,
                    x: 48.0 + step * i as f64,
                    width: 28.0,
                    segments,
                }
            })
            .collect::<Vec<_>>();
        let width = 64 + 44 * u32::try_from(cols.len()).unwrap_or(0);
        Self {
            width,
            columns: cols,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_chart_scales_and_classifies() {
        let chart = RateChart::new([("A".into(), 1.0), ("B".into(), 0.5), ("C".into(), f64::NAN)]);
        assert_eq!(chart.bars[0].width, RATE_BAR_SPAN);
        assert_eq!(chart.bars[1].class, "poor");
        assert_eq!(chart.bars[2].value, "0%");
        assert_eq!(chart.height, 20 + 34 * 3);
    }

    #[test]
    fn roll_chart_stacks_to_the_enrolled_count() {
        let counts = RollCounts {
            enrolled: 4,
            present: 2,
            late: 1,
            absent: 1,
            ..Default::default()
        };
        let chart = RollChart::new([("Mon".to_string(), counts)]);
        let total: f64 = chart.columns[0].segments.iter().map(|s| s.height).sum();
        assert!((total - ROLL_PLOT_HEIGHT).abs() < 1e-9);
    }
}
