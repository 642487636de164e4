//! Where the API is: the regional Sitecore servers or any other base URL.

use std::{fmt, str::FromStr};

/// The regional Sitecore Personalize servers, as listed in the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Region {
    /// Europe.
    Eu,
    /// United States.
    Us,
    /// Asia Pacific.
    Ap,
    /// Japan.
    Jpe,
}

impl Region {
    /// Every region.
    pub const ALL: [Region; 4] = [Region::Eu, Region::Us, Region::Ap, Region::Jpe];

    /// The base URL of the region's API server.
    pub fn base_url(self) -> &'static str {
        match self {
            Region::Eu => "https://api-engage-eu.sitecorecloud.io",
            Region::Us => "https://api-engage-us.sitecorecloud.io",
            Region::Ap => "https://api-engage-ap.sitecorecloud.io",
            Region::Jpe => "https://api-engage-jpe.sitecorecloud.io",
        }
    }

    /// The short name: `eu`, `us`, `ap` or `jpe`.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Eu => "eu",
            Region::Us => "us",
            Region::Ap => "ap",
            Region::Jpe => "jpe",
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no region.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown region `{0}`: use eu, us, ap or jpe")]
pub struct UnknownRegion(pub String);

impl FromStr for Region {
    type Err = UnknownRegion;

    /// Reads `eu`, `us`, `ap` or `jpe`, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Region::ALL
            .into_iter()
            .find(|region| region.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownRegion(s.to_string()))
    }
}

/// The base URL of the API: a Sitecore region, or any other server (a
/// sandbox, a proxy).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BaseUrl {
    /// A Sitecore region's server.
    Region(Region),
    /// Another server, as an absolute `http` or `https` URL.
    Custom(String),
}

impl BaseUrl {
    /// The URL as text.
    pub fn as_str(&self) -> &str {
        match self {
            BaseUrl::Region(region) => region.base_url(),
            BaseUrl::Custom(url) => url,
        }
    }
}

impl From<Region> for BaseUrl {
    fn from(region: Region) -> Self {
        BaseUrl::Region(region)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_match_the_document_servers() {
        let document: serde_json::Value =
            serde_json::from_str(include_str!("../../../openapi/connections.json")).unwrap();
        let servers: Vec<&str> = document["servers"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["url"].as_str())
            .collect();
        for region in Region::ALL {
            assert!(
                servers.contains(&region.base_url()),
                "{region:?} is not a server of the document"
            );
        }
    }

    #[test]
    fn regions_read_their_short_names() {
        for region in Region::ALL {
            assert_eq!(region.to_string().parse::<Region>(), Ok(region));
            assert_eq!(region.as_str().to_uppercase().parse::<Region>(), Ok(region));
        }
        let err = "mars".parse::<Region>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown region `mars`: use eu, us, ap or jpe"
        );
        assert_eq!(BaseUrl::from(Region::Us).as_str(), Region::Us.base_url());
    }
}
