//! A bar chart of articles per month, drawn on the server as SVG: no script, no other host.

use maud::{Markup, html};

use crate::store::PeriodCount;

/// Months filled in between the first and the last at most; a longer span (a stray date in year
/// 1) keeps only the months that have articles.
const MAX_MONTHS: usize = 240;

/// `periods` (`YYYY-MM`, ascending) with the empty months between them as 0.
pub fn fill_months(periods: &[PeriodCount]) -> Vec<PeriodCount> {
    let month_number = |period: &str| -> Option<i64> {
        let (year, month) = period.split_once('-')?;
        Some(year.parse::<i64>().ok()? * 12 + month.parse::<i64>().ok()? - 1)
    };
    let numbers: Option<Vec<i64>> = periods.iter().map(|p| month_number(&p.period)).collect();
    let Some(numbers) = numbers else {
        return periods.to_vec();
    };
    let (Some(first), Some(last)) = (numbers.first(), numbers.last()) else {
        return Vec::new();
    };
    if last < first || (last - first) as usize >= MAX_MONTHS {
        return periods.to_vec();
    }
    (*first..=*last)
        .map(|number| {
            let period = format!("{:04}-{:02}", number / 12, number % 12 + 1);
            let articles = numbers
                .iter()
                .position(|n| *n == number)
                .map_or(0, |index| periods[index].articles);
            PeriodCount { period, articles }
        })
        .collect()
}

/// The chart: one `rect.bar` per month with a `<title>` giving its count, labelled first and
/// last month, and a text equivalent for screen readers.
pub fn months_chart(periods: &[PeriodCount], label: &str) -> Markup {
    let months = fill_months(periods);
    let max = months.iter().map(|p| p.articles).max().unwrap_or(0).max(1);
    let (width, height, bottom) = (640.0_f64, 160.0_f64, 20.0_f64);
    // A few months do not each get a third of the width: bars stay bar-shaped.
    let slot = (width / months.len().max(1) as f64).min(48.0);
    let bar = (slot * 0.8).max(1.0);
    let description = format!(
        "{label}: {} months{}",
        months.len(),
        months
            .iter()
            .max_by_key(|p| p.articles)
            .map_or(String::new(), |p| format!(
                ", most in {} ({})",
                p.period, p.articles
            ))
    );
    html! {
        svg.chart viewBox={ "0 0 " (width) " " (height) } role="img" aria-label=(description) {
            title { (description) }
            @for (index, month) in months.iter().enumerate() {
                @let bar_height = (height - bottom) * month.articles as f64 / max as f64;
                rect.bar x=(format!("{:.2}", index as f64 * slot + (slot - bar) / 2.0))
                    y=(format!("{:.2}", height - bottom - bar_height))
                    width=(format!("{bar:.2}")) height=(format!("{bar_height:.2}")) {
                    title { (month.period) ": " (month.articles) }
                }
            }
            @if let (Some(first), Some(last)) = (months.first(), months.last()) {
                text.axis x="0" y=(height - 4.0) { (first.period) }
                @if months.len() > 1 {
                    text.axis x=(slot * months.len() as f64) y=(height - 4.0) text-anchor="end" { (last.period) }
                }
                text.axis x=(width) y="12" text-anchor="end" { "max " (max) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(period: &str, articles: i64) -> PeriodCount {
        PeriodCount {
            period: period.into(),
            articles,
        }
    }

    #[test]
    fn empty_months_are_filled_across_years() {
        let filled = fill_months(&[period("2023-11", 2), period("2024-02", 5)]);
        let names: Vec<&str> = filled.iter().map(|p| p.period.as_str()).collect();
        assert_eq!(names, ["2023-11", "2023-12", "2024-01", "2024-02"]);
        assert_eq!(filled[1].articles, 0);
        assert_eq!(filled[3].articles, 5);
    }

    #[test]
    fn a_stray_date_does_not_make_thousands_of_bars() {
        let filled = fill_months(&[period("0001-01", 1), period("2024-02", 5)]);
        assert_eq!(filled.len(), 2);
    }

    #[test]
    fn each_month_is_a_bar() {
        let svg = months_chart(&[period("2024-01", 1), period("2024-03", 4)], "x").into_string();
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 3);
        assert!(svg.starts_with("<svg class=\"chart\""), "{svg}");
    }
}
