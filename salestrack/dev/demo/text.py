"""Names and words for the demo data. All made up: no real person's address.

Emails and websites use the reserved .example domain; phone numbers the 555-01xx fictional range.
"""

import random

# Maven's sectors and countries, spelled right.
SECTORS = {"technolgy": "Technology"}
COUNTRIES = {"Philipines": "Philippines", "Korea": "South Korea"}

# A made-up company is a first word and a second; the second says what it does.
FIRST_WORDS = """Acorn Apex Aspen Atlas Beacon Birch Bluewater Brightline Cascade Cedar Clearview
Cobalt Copper Crescent Crestline Danforth Evergreen Fairview Falcon Foxglove Granite Harbor
Hawthorn Highland Ironwood Juniper Keystone Lakeside Lighthouse Linden Maplewood Meridian Northgate
Oakridge Orchard Pinnacle Quarry Redwood Ridgeline Riverbend Sagebrush Sandstone Silverline
Stonebridge Summit Tidewater Timberline Westbrook""".split()
SECOND_WORDS = {
    "Systems": "Technology",
    "Devices": "Technology",
    "Networks": "Telecommunications",
    "Telecom": "Telecommunications",
    "Software": "Software",
    "Analytics": "Software",
    "Health": "Medical",
    "Biotech": "Medical",
    "Clinics": "Medical",
    "Foods": "Retail",
    "Outfitters": "Retail",
    "Markets": "Retail",
    "Media": "Entertainment",
    "Studios": "Entertainment",
    "Capital": "Finance",
    "Financial": "Finance",
    "Staffing": "Employment",
    "Talent": "Employment",
    "Logistics": "Services",
    "Consulting": "Services",
    "Marketing": "Marketing",
    "Creative": "Marketing",
}

CITIES = {
    "East": [
        ("New York", "NY"),
        ("Boston", "MA"),
        ("Philadelphia", "PA"),
        ("Pittsburgh", "PA"),
        ("Atlanta", "GA"),
        ("Miami", "FL"),
        ("Charlotte", "NC"),
        ("Baltimore", "MD"),
        ("Hartford", "CT"),
        ("Newark", "NJ"),
    ],
    "West": [
        ("San Francisco", "CA"),
        ("Los Angeles", "CA"),
        ("San Diego", "CA"),
        ("Seattle", "WA"),
        ("Portland", "OR"),
        ("Denver", "CO"),
        ("Phoenix", "AZ"),
        ("Salt Lake City", "UT"),
    ],
}

FIRST_NAMES = """Aaron Abigail Adrian Aisha Alan Alicia Amir Ana Andre Angela Ben Bianca Brian
Camila Carlos Chloe Chris Dana Daniel Deepa Derek Diana Elena Emeka Emily Eric Fatima Felix Grace
Hannah Hugo Ian Imani Isabel Jack Jasmine Jorge Julia Kenji Kevin Laura Leon Lina Luis Maya Megan
Nadia Naomi Nathan Olivia Omar Paul Priya Rachel Raj Rosa Ryan Sara Sean Sofia Tariq Tom Vera
Victor Wei Yara Zoe""".split()
LAST_NAMES = """Abbott Adeyemi Alvarez Bauer Becker Bennett Brooks Campbell Castillo Chen Cohen
Collins Cruz Dubois Duarte Ellis Fischer Flores Foster Garcia Gupta Hansen Hayes Herrera Hughes
Ibrahim Ito Jensen Kaplan Kim Kowalski Larsen Lee Lopez Mbeki Mendes Meyer Moreno Murphy Nakamura
Nguyen Novak O'Brien Okafor Olsen Park Patel Perez Price Quinn Reyes Rossi Russo Sato Schmidt Shah
Silva Sullivan Tanaka Torres Turner Walsh Weber Wright Young Zhang""".split()
TITLES = [
    "IT Director",
    "VP of Operations",
    "Procurement Manager",
    "CTO",
    "Head of IT",
    "Office Manager",
    "CFO",
    "Facilities Manager",
    "Systems Administrator",
    "Purchasing Lead",
    "COO",
    "Engineering Manager",
]

# Where leads come from (PRODUCT.md section 2), with weights; converted leads lean to the warm ones.
SOURCES = {
    "Web form": 32,
    "Bought list": 20,
    "Trade show": 15,
    "Manual entry": 15,
    "Referral": 10,
    "API": 8,
}
CONVERTING_SOURCES = {
    "Web form": 25,
    "Referral": 25,
    "Trade show": 20,
    "Manual entry": 15,
    "Bought list": 10,
    "API": 5,
}
DIRECT_SOURCES = ["Outbound", "Outbound", "Referral", "Partner"]
NEW_OPPORTUNITIES = ["rollout", "pilot", "upgrade", "refresh"]
REPEAT_OPPORTUNITIES = ["expansion", "renewal", "add-on"]

LEAD_TOUCHES = [
    ("call", "Intro call: left a voicemail"),
    ("call", "Intro call: interested, wants pricing"),
    ("email", "Sent the product overview"),
    ("email", "Follow-up email"),
    ("call", "Qualification call"),
]
# By open stage: Prospecting, Qualification, Needs analysis, Proposal, Negotiation.
OPPORTUNITY_TOUCHES = [
    [
        ("call", "Discovery call"),
        ("email", "Sent the intro deck"),
        ("call", "Follow-up call"),
    ],
    [
        ("meeting", "Qualification meeting"),
        ("call", "Budget and timeline check"),
        ("email", "Sent a case study"),
    ],
    [
        ("meeting", "Requirements workshop"),
        ("meeting", "Product demo: {product}"),
        ("call", "Technical deep-dive"),
        ("note", "Champion identified; IT signs off"),
    ],
    [
        ("email", "Sent the proposal"),
        ("meeting", "Proposal walkthrough"),
        ("call", "Pricing questions"),
        ("task", "Send the revised proposal"),
    ],
    [
        ("call", "Negotiation call with procurement"),
        ("email", "Sent the revised quote"),
        ("meeting", "Contract review"),
        ("task", "Chase the signed order form"),
        ("note", "Legal redlines received"),
    ],
]
NEXT_STEPS = [
    "Schedule the demo",
    "Send the proposal",
    "Follow up on the quote",
    "Book a call with the decision maker",
    "Send the contract",
    "Check references",
]
DISQUALIFY_REASONS = [
    "No budget",
    "Not a decision maker",
    "No response after five attempts",
    "Too small for us",
    "Student or researcher",
    "Competitor",
    "Already a customer",
]
LOST_REASONS = [
    "Price too high",
    "Went with a competitor",
    "No budget this year",
    "No decision: went dark",
    "Missing a feature",
    "Chose to build in-house",
    "Timing: not a priority",
]
ACCOUNT_NOTES = [
    "Met at the trade show booth",
    "New CIO started; worth a call",
    "Uses a competitor, contract ends next year",
    "Budget cycle starts in October",
]


def industry(sector: str) -> str:
    return SECTORS.get(sector, sector.capitalize())


def industry_of(name: str) -> str:
    return SECOND_WORDS[name.rsplit(" ", 1)[1]]


def company_names(rng: random.Random) -> list[str]:
    """Every made-up company name, shuffled."""
    names = [f"{first} {second}" for first in FIRST_WORDS for second in SECOND_WORDS]
    rng.shuffle(names)
    return names
