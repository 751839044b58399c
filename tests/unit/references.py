"""The reference table: identifier-bearing references that must be refused, real ones that must pass."""

from bot.identifiers import Kind

REFUSED = [
    # names, in any capitalisation, with or without a year
    ("amelia jones 2015", Kind.FORENAME), ("JONES Amelia 2015", Kind.FORENAME), ("Noah W 2019", Kind.FORENAME),
    ("Harry 6", Kind.FORENAME), ("Olivia 1", Kind.FORENAME), ("OLIVER 22", Kind.FORENAME),
    ("poppy-2", Kind.FORENAME), ("Case Ref Isla 4", Kind.FORENAME), ("Mia2019", Kind.FORENAME),
    ("Arlo 12345", Kind.FORENAME), ("Layla/2026/1", Kind.FORENAME), ("CSC-2026-Freya", Kind.FORENAME),
    ("JaneSmith 1", Kind.FORENAME), ("Muhammad 3", Kind.FORENAME), ("ref for george 9", Kind.FORENAME),
    ("JSmith2015", Kind.FORENAME), ("Jxq2014", Kind.NAME_AND_YEAR), ("Kowalczyk2016", Kind.NAME_AND_YEAR),
    # dates in any common spelling
    ("JONES Amelia 12/03/2015", Kind.DATE), ("Poppy 12/03/2015", Kind.DATE), ("Ref 12/03/2015", Kind.DATE),
    ("12.03.2015 1", Kind.DATE), ("12-03-15", Kind.DATE), ("2015-03-12", Kind.DATE), ("Case 1/2/20", Kind.DATE),
    ("12 March 2015", Kind.DATE), ("12th Mar 2015", Kind.DATE), ("March 12, 2015", Kind.DATE),
    ("Case 3 Sept 2019", Kind.DATE), ("Ref March 2015", Kind.DATE), ("12 03 2015", Kind.DATE),
    ("Case 12 / 03 / 2015", Kind.DATE), ("1st of May 2020", Kind.DATE),
    ("mia wong dob 01.02.2020", Kind.DATE_OF_BIRTH), ("DOB 010220", Kind.DATE_OF_BIRTH),
    ("Case 4 d.o.b 2020", Kind.DATE_OF_BIRTH), ("born 2020 ref 7", Kind.DATE_OF_BIRTH),
    # phone numbers
    ("07700 900123", Kind.PHONE), ("07700900123", Kind.PHONE), ("+44 7700 900123", Kind.PHONE),
    ("+44 (0)7700 900123", Kind.PHONE), ("0044 7700 900123", Kind.PHONE), ("0113 496 0000", Kind.PHONE),
    ("Ref (0113) 4960000", Kind.PHONE), ("020 7946 0018", Kind.PHONE),
    # postcodes
    ("LS1 4AB", Kind.POSTCODE), ("Case BD1 1HY", Kind.POSTCODE), ("ls14ab 2", Kind.POSTCODE),
    ("Ref SW1A 1AA", Kind.POSTCODE), ("NN1 2EE 2026", Kind.POSTCODE),
    # NHS numbers (valid check digit, any spacing)
    ("943 476 5919", Kind.NHS_NUMBER), ("9434765919", Kind.NHS_NUMBER), ("NHS 4010232137", Kind.NHS_NUMBER),
    ("943-476-5919", Kind.NHS_NUMBER), ("Case 401 023 2137", Kind.NHS_NUMBER), ("#9434765919", Kind.NHS_NUMBER),
    # National Insurance numbers
    ("QQ 12 34 56 C", Kind.NI_NUMBER), ("AB123456C", Kind.NI_NUMBER), ("ref ab 12 34 56 d", Kind.NI_NUMBER),
    ("JG103759A 1", Kind.NI_NUMBER),
    # email addresses in any spelling
    ("jane.smith at gmail.com 1", Kind.EMAIL), ("jsmith@example.org", Kind.EMAIL),
    ("j.smith (at) example dot com 2", Kind.EMAIL), ("jsmith [at] example [dot] org 1", Kind.EMAIL),
    ("ref@2026", Kind.EMAIL), ("js at school dot sch dot uk 4", Kind.EMAIL),
]  # fmt: skip

ACCEPTED = [
    "Case Ref 12345", "Early Help 12345", "Police Ref 26/12345", "Op Sandstone 2026/1", "CSC–2026–00123",
    "#123456", "CSC-2026-0193", "MOS123456", "Mosaic 1234567", "LL-4456789", "LCS/2026/004412",
    "Op Grace 2026/3", "Operation Hope 26/7", "EH/2026/0042", "CIN 2026 4471", "CP-2026-118",
    "LAC 00321", "ID 987654", "NSCB/2026/17", "14/123456/26", "PPU 26-004411", "Strategy 2026/77",
    "S47-2026-019", "Referral 557812", "ED 2026 14", "Case ref: 45-2026", "YOT/2026/0091", "Job 12345",
    "MASH 2026-3312", "Crime 26/4411/26", "csc\u200b-2026-00123", "CSC\u2011\u20112026",
]  # fmt: skip

CSC = {"name": "Children's social care (Mosaic)", "pattern": r"CSC-\d{4}-\d{4,5}", "examples": ["CSC-2026-00123"]}
POLICE = {"name": "Police occurrence", "pattern": r"(?:Police Ref )?\d{2}/\d{4,6}", "examples": ["26/12345"]}
