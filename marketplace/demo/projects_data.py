"""The 40 demo projects of shared/reference/domain-facts.md b.5 (fictional, amounts in MAD).

Each row: code, French title, English title, region, sector, scheme, total cost, the diaspora share
that the campaign raises (own funds, association share or diaspora equity), status in b.5's words,
jobs target, and a one-line French and English summary.
"""

PROGRAMMES = [
    ("MDM", "MDM Invest-style co-financing (rules v2015)", "Cofinancement type MDM Invest (règles 2015)",
     "تمويل مشترك على غرار «مغاربة العالم استثمار» (قواعد 2015)"),
    ("INT", "Guaranteed start-up loan (Intelaka-style)", "Prêt de démarrage garanti (type Intelaka)",
     "قرض انطلاق مضمون (على غرار «انطلاقة»)"),
    ("FOR", "Honour loan with grant (Forsa-style)", "Prêt d'honneur avec subvention (type Forsa)",
     "قرض شرف مع منحة (على غرار «فرصة»)"),
    ("3X1", "Collective diaspora matching 1:1:1:1", "Abondement collectif de la diaspora 1:1:1:1",
     "مطابقة جماعية لمساهمات الجالية 1:1:1:1"),
    ("EQ", "Diaspora equity in green SMEs", "Fonds propres de la diaspora dans des PME vertes",
     "مساهمة الجالية في رأسمال المقاولات الخضراء"),
]

STATUS_MAP = {
    "draft": "draft", "under_review": "in_review", "published": "published", "funding_closed": "funded",
    "in_implementation": "in_implementation", "operational": "completed",
}

# code, title_fr, title_en, region, sector, scheme, total, diaspora_share, status, jobs
PROJECTS = [
    ("P01", "Clinique de dialyse Al Hoceïma", "Dialysis clinic in Al Hoceima", "MA-01", "HEA", "MDM", 9_800_000, 2_450_000, "in_implementation", 24),
    ("P02", "Atelier de découpe plastique Tanger Med", "Plastic cutting workshop at Tanger Med", "MA-01", "IND", "MDM", 6_500_000, 1_950_000, "operational", 31),
    ("P03", "Maison d'hôtes Chefchaouen (extension)", "Guest house extension in Chefchaouen", "MA-01", "TOU", "MDM", 2_400_000, 840_000, "operational", 9),
    ("P04", "École paramédicale Nador", "Paramedical school in Nador", "MA-02", "EDU", "MDM", 4_200_000, 1_050_000, "funding_closed", 14),
    ("P05", "Unité de conditionnement d'huile d'olive Berkane", "Olive oil packing unit in Berkane", "MA-02", "IND", "MDM", 7_900_000, 1_975_000, "published", 27),
    ("P06", "Centre de radiologie Oujda", "Radiology centre in Oujda", "MA-02", "HEA", "MDM", 12_500_000, 3_500_000, "funding_closed", 18),
    ("P07", "Hôtel éco-lodge Saïdia", "Eco-lodge hotel in Saïdia", "MA-02", "TOU", "MDM", 62_000_000, 16_740_000, "published", 85),
    ("P08", "Atelier de maintenance industrielle Fès", "Industrial maintenance workshop in Fez", "MA-03", "IND", "MDM", 3_100_000, 1_240_000, "in_implementation", 16),
    ("P09", "École privée bilingue Meknès", "Bilingual private school in Meknes", "MA-03", "EDU", "MDM", 5_600_000, 1_400_000, "published", 22),
    ("P10", "Laboratoire d'analyses médicales Kénitra", "Medical laboratory in Kenitra", "MA-04", "HEA", "MDM", 3_800_000, 950_000, "operational", 12),
    ("P11", "Usine de pièces aéronautiques (sous-traitance) Nouaceur", "Aeronautical parts subcontractor in Nouaceur", "MA-06", "IND", "MDM", 17_500_000, 4_375_000, "under_review", 48),
    ("P12", "Centre de formation aux métiers du numérique Casablanca", "Digital skills training centre in Casablanca", "MA-06", "EDU", "MDM", 2_900_000, 870_000, "published", 11),
    ("P13", "Riad-hôtel médina Marrakech (rénovation)", "Riad hotel renovation in the Marrakesh medina", "MA-07", "TOU", "MDM", 8_700_000, 2_175_000, "in_implementation", 20),
    ("P14", "Cabinet dentaire et orthodontie Safi", "Dental and orthodontics practice in Safi", "MA-07", "HEA", "MDM", 1_600_000, 480_000, "operational", 6),
    ("P15", "Unité de transformation d'argan Agadir", "Argan processing unit in Agadir", "MA-09", "IND", "MDM", 5_200_000, 1_300_000, "funding_closed", 34),
    ("P16", "Auberge de désert Merzouga", "Desert inn in Merzouga", "MA-08", "TOU", "MDM", 3_300_000, 825_000, "published", 13),
    ("P17", "Ferme laitière familiale Taounate", "Family dairy farm in Taounate", "MA-03", "AGR", "INT", 950_000, 95_000, "operational", 7),
    ("P18", "Atelier de menuiserie aluminium Béni Mellal", "Aluminium joinery workshop in Beni Mellal", "MA-05", "IND", "INT", 640_000, 96_000, "in_implementation", 5),
    ("P19", "Serres de fruits rouges Larache", "Berry greenhouses in Larache", "MA-01", "AGR", "INT", 1_450_000, 261_000, "funding_closed", 15),
    ("P20", "Studio de développement web Tétouan", "Web development studio in Tetouan", "MA-01", "ICT", "INT", 420_000, 84_000, "published", 6),
    ("P21", "Service de logistique frigorifique Khouribga", "Cold-chain logistics service in Khouribga", "MA-05", "LOG", "INT", 1_380_000, 193_200, "published", 8),
    ("P22", "Pressoir d'huile d'olive moderne Taza", "Modern olive press in Taza", "MA-03", "AGR", "INT", 1_100_000, 110_000, "operational", 9),
    ("P23", "Agence de e-commerce artisanat Fès", "Handicraft e-commerce agency in Fez", "MA-03", "ICT", "INT", 300_000, 60_000, "draft", 3),
    ("P24", "Station de lavage et maintenance de camions Guelmim", "Truck wash and maintenance station in Guelmim", "MA-10", "LOG", "INT", 780_000, 93_600, "under_review", 5),
    ("P25", "Unité de séchage de dattes Errachidia", "Date drying unit in Errachidia", "MA-08", "AGR", "INT", 890_000, 89_000, "in_implementation", 10),
    ("P26", "Poissonnerie et chambre froide Dakhla", "Fish shop and cold room in Dakhla", "MA-12", "AGR", "INT", 1_250_000, 125_000, "published", 7),
    ("P27", "Coopérative de couscous artisanal Azilal", "Artisanal couscous cooperative in Azilal", "MA-05", "AGR", "FOR", 95_000, 85_000, "operational", 4),
    ("P28", "Atelier de réparation de smartphones Oujda", "Smartphone repair workshop in Oujda", "MA-02", "ICT", "FOR", 70_000, 60_000, "operational", 2),
    ("P29", "Food-truck tourisme Essaouira", "Tourist food truck in Essaouira", "MA-07", "TOU", "FOR", 120_000, 90_000, "in_implementation", 3),
    ("P30", "Micro-crèche Salé", "Micro-nursery in Sale", "MA-04", "EDU", "FOR", 100_000, 90_000, "funding_closed", 3),
    ("P31", "Apiculture biologique Tiznit", "Organic beekeeping in Tiznit", "MA-09", "AGR", "FOR", 60_000, 50_000, "published", 2),
    ("P32", "Location de vélos électriques Laâyoune", "E-bike rental in Laayoune", "MA-11", "TOU", "FOR", 85_000, 75_000, "draft", 2),
    ("P33", "Électrification solaire du douar Ait Youssef (Driouch)", "Solar electrification of the Ait Youssef village (Driouch)", "MA-02", "ENR", "3X1", 1_600_000, 400_000, "in_implementation", 0),
    ("P34", "Salle informatique collège rural Ouarzazate", "Computer room for a rural secondary school in Ouarzazate", "MA-08", "EDU", "3X1", 480_000, 120_000, "operational", 1),
    ("P35", "Centre de santé rural rénové Tinghir", "Renovated rural health centre in Tinghir", "MA-08", "HEA", "3X1", 2_000_000, 500_000, "funding_closed", 4),
    ("P36", "Piste rurale et pont Al Hoceïma", "Rural road and bridge near Al Hoceima", "MA-01", "LOG", "3X1", 1_200_000, 300_000, "published", 0),
    ("P37", "Installateur solaire photovoltaïque Ouarzazate", "Solar PV installer in Ouarzazate", "MA-08", "ENR", "EQ", 2_500_000, 1_000_000, "funding_closed", 12),
    ("P38", "Recyclage de plastiques agricoles Souss", "Agricultural plastics recycling in Souss", "MA-09", "ENR", "EQ", 3_000_000, 1_350_000, "published", 17),
    ("P39", "Pompage solaire pour agriculteurs El Kelaâ", "Solar pumping for farmers in El Kelaa", "MA-07", "ENR", "EQ", 1_800_000, 900_000, "published", 8),
    ("P40", "Plateforme logistique du dernier kilomètre Tanger", "Last-mile logistics hub in Tangier", "MA-01", "LOG", "EQ", 2_200_000, 770_000, "under_review", 14),
]

SECTOR_TEXT = {
    "HEA": ("l'accès aux soins", "access to care", [3]),
    "EDU": ("la formation des jeunes", "training for young people", [4, 8]),
    "IND": ("l'emploi industriel local", "local industrial jobs", [8, 9]),
    "TOU": ("un tourisme qui profite à la région", "tourism that benefits the region", [8, 12]),
    "AGR": ("la valeur ajoutée agricole", "agricultural value added", [2, 8]),
    "ICT": ("l'économie numérique", "the digital economy", [8, 9]),
    "ENR": ("l'énergie propre", "clean energy", [7, 13]),
    "LOG": ("le désenclavement et la logistique", "access and logistics", [9, 11]),
}

INSTRUMENT_OF_SCHEME = {"MDM": "equity", "INT": "loan", "FOR": "loan", "3X1": "donation", "EQ": "equity"}
