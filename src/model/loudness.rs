//! A recording's loudness, per ITU-R BS.1770-4 / EBU R128, as `audio::loudness` measures it.

/// The loudness of a recording's whole programme.
///
/// A figure that has no finite value (the integrated loudness of a recording below the
/// absolute gate of −70 LUFS, the peak of digital silence) is `None`, so that the JSON stays
/// valid (`null`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Loudness {
    /// Integrated loudness, in LUFS; `None` when no block is above −70 LUFS (silence).
    pub integrated_lufs: Option<f64>,
    /// Loudness range, in LU (0 for a recording too short or too quiet to have one).
    pub range_lu: f64,
    /// The highest sample over all channels, in dBFS; `None` for digital silence.
    pub sample_peak_dbfs: Option<f64>,
    /// The highest true (inter-sample, 4× oversampled) peak over all channels, in dBTP;
    /// `None` for digital silence.
    pub true_peak_dbtp: Option<f64>,
}

impl Loudness {
    /// The figures of a linear peak and of a loudness, `None` where they are not finite.
    pub fn finite(value: f64) -> Option<f64> {
        value.is_finite().then_some(value)
    }
}
