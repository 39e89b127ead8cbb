"""The demo organisations and users of shared/reference/domain-facts.md b.4 and b.11 (all fictional)."""

DEMO_PASSWORD = "Passerelle-demo-2026"  # noqa: S105 - documented in the README, demo only

# slug, name, type, country, region
ORGANISATIONS = [
    ("passerelle-operator", "Passerelle — opérateur de la plateforme (démo)", "platform_operator", "MA", None),
    ("org-01-ministere-mdm", "Ministère délégué chargé des Marocains du Monde (démo)", "ministry", "MA", None),
    ("org-02-fonds-garantie", "Fonds National de Garantie et de Financement (démo)", "programme_fund", "MA", None),
    ("org-03-banque-atlas", "Banque Atlas Diaspora (démo)", "bank", "MA", None),
    ("org-04-agence-migration", "Agence Migration & Développement — bureau Maroc (démo)", "implementing_agency",
     "MA", None),
    ("org-05-region-oriental", "Région de l'Oriental & CRI Oriental (démo)", "regional_council", "MA", "MA-02"),
    ("commune-driouch", "Commune de Driouch (démo)", "commune", "MA", "MA-02"),
    ("commune-ouarzazate", "Commune d'Ouarzazate (démo)", "commune", "MA", "MA-08"),
    ("commune-tinghir", "Commune de Tinghir (démo)", "commune", "MA", "MA-08"),
    ("commune-al-hoceima", "Commune d'Al Hoceïma (démo)", "commune", "MA", "MA-01"),
    ("assoc-ait-youssef-bruxelles", "Association Solidarité Ait Youssef – Bruxelles (démo)",
     "diaspora_association", "BE", None),
    ("assoc-rif-rotterdam", "Stichting Rif Ontwikkeling – Rotterdam (démo)", "diaspora_association", "NL", None),
    ("assoc-draa-gennevilliers", "Association Drâa Solidarité – Gennevilliers (démo)", "diaspora_association",
     "FR", None),
    ("assoc-atlas-bologna", "Associazione Atlas – Bologna (démo)", "diaspora_association", "IT", None),
    ("incubateur-startup-maroc", "Incubateur Startup Maroc (démo)", "incubator", "MA", "MA-06"),
    ("cooperation-belge", "Coopération belge au développement (démo)", "donor", "BE", None),
    ("nador-paramedical", "Nador Paramédical SARL (démo)", "company", "MA", "MA-02"),
] + [
    (f"cri-{code.lower()}", f"Centre Régional d'Investissement {name} (démo)", "investment_centre", "MA", code)
    for code, name in [
        ("MA-01", "Tanger-Tétouan-Al Hoceïma"), ("MA-03", "Fès-Meknès"), ("MA-04", "Rabat-Salé-Kénitra"),
        ("MA-05", "Béni Mellal-Khénifra"), ("MA-06", "Casablanca-Settat"), ("MA-07", "Marrakech-Safi"),
        ("MA-08", "Drâa-Tafilalet"), ("MA-09", "Souss-Massa"), ("MA-10", "Guelmim-Oued Noun"),
        ("MA-11", "Laâyoune-Sakia El Hamra"), ("MA-12", "Dakhla-Oued Ed-Dahab"),
    ]
]

# e-mail, name, locale, investor?, residence country, city, origin region, (organisation slug, role) or None
USERS = [
    ("investor.brussels@demo.passerelle.org", "Yasmine El Amrani", "fr", True, "BE", "Bruxelles", "MA-01", None),
    ("investor.madrid@demo.passerelle.org", "Karim Benali", "en", True, "ES", "Madrid", "MA-03", None),
    ("expert.rotterdam@demo.passerelle.org", "Nadia Azzouzi", "en", True, "NL", "Rotterdam", "MA-02", None),
    ("promoter.nador@demo.passerelle.org", "Omar Kaddouri", "fr", False, "MA", "Nador", "MA-02",
     ("nador-paramedical", "manager")),
    ("reviewer@demo.passerelle.org", "Salma Bennani", "fr", False, "MA", "Rabat", None,
     ("org-01-ministere-mdm", "manager")),
    ("bank.officer@demo.passerelle.org", "Youssef Alaoui", "fr", False, "MA", "Casablanca", None,
     ("org-03-banque-atlas", "manager")),
    ("monitor@demo.passerelle.org", "Claire Dubois", "en", False, "MA", "Rabat", None,
     ("org-04-agence-migration", "manager")),
    ("fund.officer@demo.passerelle.org", "Rachid Idrissi", "fr", False, "MA", "Rabat", None,
     ("org-02-fonds-garantie", "manager")),
    ("regional.officer@demo.passerelle.org", "Hamid Tahiri", "ar", False, "MA", "Oujda", "MA-02",
     ("org-05-region-oriental", "manager")),
    ("admin@demo.passerelle.org", "Platform Admin", "en", False, None, None, None, ("passerelle-operator", "manager")),
]
