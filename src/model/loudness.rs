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

/// What a rendition is verified by once made: the two figures its targets are stated in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PublishedLoudness {
    /// Integrated loudness, in LUFS; `None` for silence.
    pub integrated_lufs: Option<f64>,
    /// The highest true peak over all channels, in dBTP; `None` for digital silence.
    pub true_peak_dbtp: Option<f64>,
}

/// What the load stage measures of a master: its loudness as it is, that of its mono downmix,
/// and how alike its channels are, in one decoding pass.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Measurement {
    /// The master's loudness, all channels, as ffmpeg's `ebur128` measures it.
    pub loudness: Loudness,
    /// The loudness of its mono downmix, `(L + R) / 2`: what a mono rendition is normalized
    /// from. `None` for a mono master (the same as `loudness`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mono: Option<Loudness>,
    /// How its two channels compare; `None` for a mono master.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<Balance>,
    /// What decoding lost (a file cut short, damaged packets): the figures are of the rest.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Measurement {
    /// The loudness of the audio a rendition with `mono` channels is made from.
    pub fn of_rendition(&self, mono: bool) -> &Loudness {
        match (&self.mono, mono) {
            (Some(downmix), true) => downmix,
            _ => &self.loudness,
        }
    }
}

/// How the two channels of a stereo master compare (the first two, for more).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Balance {
    /// Energy of the side signal `(L − R) / 2` against the mid `(L + R) / 2`, in dB; `None`
    /// when both are silent. Near-identical channels read −30 dB or less.
    pub side_db: Option<f64>,
    /// Energy of the quieter channel against the louder, in dB; `None` when both are silent.
    /// A channel left silent reads −60 dB or less.
    pub quieter_channel_db: Option<f64>,
}

impl Balance {
    /// Side energy at or under this, in dB: the channels are near-identical.
    pub const NEAR_IDENTICAL_DB: f64 = -30.0;
    /// The quieter channel at or under this, in dB: it is silent.
    pub const SILENT_CHANNEL_DB: f64 = -50.0;

    /// The channels are near-identical, or one of them is silent.
    pub fn sounds_mono(&self) -> bool {
        self.side_db.is_some_and(|d| d <= Self::NEAR_IDENTICAL_DB) || self.one_channel_silent()
    }

    /// One channel is silent while the other is not.
    pub fn one_channel_silent(&self) -> bool {
        self.quieter_channel_db
            .is_some_and(|d| d <= Self::SILENT_CHANNEL_DB)
    }
}
