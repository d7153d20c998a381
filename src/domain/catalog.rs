//! The catalog of Partner Center operated by 21Vianet: offers, the services each includes, their
//! license ranges and the upgrade paths of the source document's table. It is static, defined
//! here once, and held in memory.

use std::fmt;
use std::str::FromStr;

/// The stable identifier of an offer, as used in data files and URLs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OfferId {
    O365Business,
    O365BusinessPremium,
    O365BusinessEssentials,
    O365ProPlus,
    O365E1,
    O365E3,
    ExchangeOnlineP1,
    SharePointOnlineP1,
    SkypeBusinessP2,
}

/// A service that an offer includes. The "additional services" of an upgrade are the target's
/// services that the source lacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Service {
    OfficeApps,
    OneDrive,
    Exchange,
    SharePoint,
    SkypeForBusiness,
    Compliance,
}

impl Service {
    pub const ALL: [Service; 6] = [
        Service::OfficeApps,
        Service::OneDrive,
        Service::Exchange,
        Service::SharePoint,
        Service::SkypeForBusiness,
        Service::Compliance,
    ];

    /// The key of the service's name in the message catalogs.
    pub fn message_key(self) -> &'static str {
        match self {
            Service::OfficeApps => "service-office-apps",
            Service::OneDrive => "service-onedrive",
            Service::Exchange => "service-exchange",
            Service::SharePoint => "service-sharepoint",
            Service::SkypeForBusiness => "service-skype",
            Service::Compliance => "service-compliance",
        }
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A set of services, small enough to copy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ServiceSet(u8);

impl ServiceSet {
    pub const EMPTY: ServiceSet = ServiceSet(0);

    pub const fn of(services: &[Service]) -> ServiceSet {
        let mut bits = 0;
        let mut i = 0;
        while i < services.len() {
            bits |= services[i].bit();
            i += 1;
        }
        ServiceSet(bits)
    }

    pub fn contains(self, service: Service) -> bool {
        self.0 & service.bit() != 0
    }

    /// The services in `self` that `other` lacks.
    pub fn without(self, other: ServiceSet) -> ServiceSet {
        ServiceSet(self.0 & !other.0)
    }

    pub fn intersection(self, other: ServiceSet) -> ServiceSet {
        ServiceSet(self.0 & other.0)
    }

    pub fn union(self, other: ServiceSet) -> ServiceSet {
        ServiceSet(self.0 | other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The set as a number, to store.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// A stored set; bits of no service are dropped.
    pub fn from_bits(bits: u8) -> ServiceSet {
        ServiceSet(bits & Service::ALL.iter().fold(0, |all, s| all | s.bit()))
    }

    pub fn iter(self) -> impl Iterator<Item = Service> {
        Service::ALL.into_iter().filter(move |s| self.contains(*s))
    }
}

/// The inclusive range of licenses one subscription to an offer may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LicenseRange {
    pub min: u32,
    pub max: u32,
}

impl LicenseRange {
    pub fn contains(self, n: u32) -> bool {
        (self.min..=self.max).contains(&n)
    }
}

/// One offer of the catalog.
#[derive(Debug, PartialEq, Eq)]
pub struct Offer {
    pub id: OfferId,
    pub name_en: &'static str,
    pub name_zh: &'static str,
    pub services: ServiceSet,
    pub licenses: LicenseRange,
    /// The source document's "possible upgrades" (可用升级), in its order.
    pub upgrades: &'static [OfferId],
}

impl Offer {
    /// The offer's name in the given language: Chinese for any `zh` tag, English otherwise.
    pub fn name(&self, lang: &str) -> &'static str {
        if lang.starts_with("zh") {
            self.name_zh
        } else {
            self.name_en
        }
    }
}

use OfferId::*;
use Service::*;

const SMALL_BUSINESS: LicenseRange = LicenseRange { min: 1, max: 300 };
const ENTERPRISE: LicenseRange = LicenseRange {
    min: 1,
    max: 10_000_000,
};

static CATALOG: [Offer; 9] = [
    Offer {
        id: O365Business,
        name_en: "Office 365 Business",
        name_zh: "Office 365 商业版",
        services: ServiceSet::of(&[OfficeApps, OneDrive]),
        licenses: SMALL_BUSINESS,
        upgrades: &[O365BusinessPremium, O365ProPlus, O365E3],
    },
    Offer {
        id: O365BusinessPremium,
        name_en: "Office 365 Business Premium",
        name_zh: "Office 365 商业高级版",
        services: ServiceSet::of(&[OfficeApps, OneDrive, Exchange, SharePoint, SkypeForBusiness]),
        licenses: SMALL_BUSINESS,
        upgrades: &[O365E3],
    },
    Offer {
        id: O365BusinessEssentials,
        name_en: "Office 365 Business Essentials",
        name_zh: "Office 365 商业协作版",
        services: ServiceSet::of(&[OneDrive, Exchange, SharePoint, SkypeForBusiness]),
        licenses: SMALL_BUSINESS,
        upgrades: &[O365BusinessPremium, O365E1, O365E3],
    },
    Offer {
        id: O365ProPlus,
        name_en: "Office 365 ProPlus",
        name_zh: "Office 365 专业增强版",
        services: ServiceSet::of(&[OfficeApps, OneDrive]),
        licenses: ENTERPRISE,
        upgrades: &[],
    },
    Offer {
        id: O365E1,
        name_en: "Office 365 Enterprise E1",
        name_zh: "Office 365 企业版 E1",
        services: ServiceSet::of(&[OneDrive, Exchange, SharePoint, SkypeForBusiness]),
        licenses: ENTERPRISE,
        upgrades: &[],
    },
    Offer {
        id: O365E3,
        name_en: "Office 365 Enterprise E3",
        name_zh: "Office 365 企业版 E3",
        services: ServiceSet::of(&[
            OfficeApps,
            OneDrive,
            Exchange,
            SharePoint,
            SkypeForBusiness,
            Compliance,
        ]),
        licenses: ENTERPRISE,
        upgrades: &[],
    },
    Offer {
        id: ExchangeOnlineP1,
        name_en: "Exchange Online (Plan 1)",
        name_zh: "Exchange Online（计划 1）",
        services: ServiceSet::of(&[Exchange]),
        licenses: ENTERPRISE,
        upgrades: &[],
    },
    Offer {
        id: SharePointOnlineP1,
        name_en: "SharePoint Online (Plan 1)",
        name_zh: "SharePoint Online（计划 1）",
        services: ServiceSet::of(&[SharePoint]),
        licenses: ENTERPRISE,
        upgrades: &[],
    },
    Offer {
        id: SkypeBusinessP2,
        name_en: "Skype for Business Online (Plan 2)",
        name_zh: "Skype for Business Online（计划 2）",
        services: ServiceSet::of(&[SkypeForBusiness]),
        licenses: ENTERPRISE,
        upgrades: &[],
    },
];

impl OfferId {
    pub const ALL: [OfferId; 9] = [
        O365Business,
        O365BusinessPremium,
        O365BusinessEssentials,
        O365ProPlus,
        O365E1,
        O365E3,
        ExchangeOnlineP1,
        SharePointOnlineP1,
        SkypeBusinessP2,
    ];

    /// The catalog entry of this offer.
    pub fn offer(self) -> &'static Offer {
        // CATALOG is declared in the enum's order; the unit test `catalog_is_in_enum_order` holds it so.
        &CATALOG[self as usize]
    }

    pub fn as_str(self) -> &'static str {
        match self {
            O365Business => "O365_BUSINESS",
            O365BusinessPremium => "O365_BUSINESS_PREMIUM",
            O365BusinessEssentials => "O365_BUSINESS_ESSENTIALS",
            O365ProPlus => "O365_PROPLUS",
            O365E1 => "O365_E1",
            O365E3 => "O365_E3",
            ExchangeOnlineP1 => "EXCHANGE_ONLINE_P1",
            SharePointOnlineP1 => "SHAREPOINT_ONLINE_P1",
            SkypeBusinessP2 => "SKYPE_BUSINESS_P2",
        }
    }
}

/// The whole catalog, in the order offers are shown.
pub fn offers() -> &'static [Offer] {
    &CATALOG
}

/// The offers that have upgrade paths: the rows of the source document's table.
pub fn upgradable_offers() -> impl Iterator<Item = &'static Offer> {
    CATALOG.iter().filter(|o| !o.upgrades.is_empty())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown offer id {0:?}")]
pub struct UnknownOffer(pub String);

impl FromStr for OfferId {
    type Err = UnknownOffer;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OfferId::ALL
            .into_iter()
            .find(|id| id.as_str() == s)
            .ok_or_else(|| UnknownOffer(s.chars().take(64).collect()))
    }
}

impl fmt::Display for OfferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_in_enum_order() {
        for id in OfferId::ALL {
            assert_eq!(id.offer().id, id);
        }
    }

    #[test]
    fn offer_ids_round_trip() {
        for id in OfferId::ALL {
            assert_eq!(id.as_str().parse::<OfferId>(), Ok(id));
        }
        assert!("O365_E5".parse::<OfferId>().is_err());
        assert!("o365_e3".parse::<OfferId>().is_err());
    }

    /// Every row of the source document's table (产品/服务 → 可用升级), exactly.
    #[test]
    fn upgrade_paths_are_the_source_table() {
        assert_eq!(
            O365Business.offer().upgrades,
            &[O365BusinessPremium, O365ProPlus, O365E3]
        );
        assert_eq!(O365BusinessPremium.offer().upgrades, &[O365E3]);
        assert_eq!(
            O365BusinessEssentials.offer().upgrades,
            &[O365BusinessPremium, O365E1, O365E3]
        );
        let rows: Vec<_> = upgradable_offers().map(|o| o.id).collect();
        assert_eq!(
            rows,
            [O365Business, O365BusinessPremium, O365BusinessEssentials]
        );
    }

    #[test]
    fn license_ranges_follow_the_service_table() {
        for id in [O365Business, O365BusinessPremium, O365BusinessEssentials] {
            assert_eq!(id.offer().licenses, LicenseRange { min: 1, max: 300 });
        }
        for id in [
            O365ProPlus,
            O365E1,
            O365E3,
            ExchangeOnlineP1,
            SharePointOnlineP1,
            SkypeBusinessP2,
        ] {
            assert_eq!(
                id.offer().licenses,
                LicenseRange {
                    min: 1,
                    max: 10_000_000
                }
            );
        }
    }

    #[test]
    fn additional_services_of_an_upgrade() {
        let essentials = O365BusinessEssentials.offer().services;
        let e3 = O365E3.offer().services;
        let extra: Vec<_> = e3.without(essentials).iter().collect();
        assert_eq!(extra, [OfficeApps, Compliance]);
        assert!(O365E1.offer().services.without(essentials).is_empty());
    }

    #[test]
    fn chinese_names_use_the_published_product_names() {
        assert_eq!(O365Business.offer().name("zh-CN"), "Office 365 商业版");
        assert_eq!(O365E3.offer().name("en-US"), "Office 365 Enterprise E3");
    }
}
