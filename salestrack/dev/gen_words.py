"""Names and words for `salestrack generate`. All made up: no real person or company.

Emails and websites use the reserved .example domain; phone numbers the 555-01xx fictional range.
"""

COMPANY = "Halcyon Systems"  # the sales organisation itself: its root team and email domain
STAFF_DOMAIN = "halcyon.example"

# Regions and their cities: (city, state, country, postal code prefix). A region's first five
# cities name its sales teams; every city is a place its accounts and leads are.
REGIONS = {
    "Americas East": [
        ("New York", "NY", "United States", "100"),
        ("Boston", "MA", "United States", "021"),
        ("Atlanta", "GA", "United States", "303"),
        ("Toronto", "ON", "Canada", "M5V "),
        ("Miami", "FL", "United States", "331"),
        ("Philadelphia", "PA", "United States", "191"),
        ("Charlotte", "NC", "United States", "282"),
        ("Washington", "DC", "United States", "200"),
        ("Montreal", "QC", "Canada", "H2X "),
        ("Pittsburgh", "PA", "United States", "152"),
    ],
    "Americas West": [
        ("San Francisco", "CA", "United States", "941"),
        ("Seattle", "WA", "United States", "981"),
        ("Denver", "CO", "United States", "802"),
        ("Los Angeles", "CA", "United States", "900"),
        ("Austin", "TX", "United States", "787"),
        ("Phoenix", "AZ", "United States", "850"),
        ("Portland", "OR", "United States", "972"),
        ("San Diego", "CA", "United States", "921"),
        ("Vancouver", "BC", "Canada", "V6B "),
        ("Salt Lake City", "UT", "United States", "841"),
    ],
    "EMEA": [
        ("London", "", "United Kingdom", "EC1V "),
        ("Berlin", "", "Germany", "101"),
        ("Paris", "", "France", "750"),
        ("Amsterdam", "", "Netherlands", "101"),
        ("Madrid", "", "Spain", "280"),
        ("Stockholm", "", "Sweden", "111"),
        ("Dublin", "", "Ireland", "D0"),
        ("Zurich", "", "Switzerland", "80"),
        ("Milan", "", "Italy", "201"),
        ("Warsaw", "", "Poland", "00-"),
    ],
    "APAC": [
        ("Sydney", "NSW", "Australia", "20"),
        ("Singapore", "", "Singapore", "018"),
        ("Tokyo", "", "Japan", "100-"),
        ("Melbourne", "VIC", "Australia", "30"),
        ("Bangalore", "KA", "India", "5600"),
        ("Seoul", "", "South Korea", "04"),
        ("Auckland", "", "New Zealand", "10"),
        ("Hong Kong", "", "Hong Kong", ""),
        ("Mumbai", "MH", "India", "4000"),
        ("Manila", "", "Philippines", "10"),
    ],
}
STREETS = """Main Street|Market Street|Harbor Road|Station Road|Park Avenue|Mill Lane|High Street
|Church Street|King Street|Queen Street|Bridge Road|Elm Street|Oak Avenue|Maple Drive|Cedar Lane
|Pine Street|Lake Road|River Road|Hill Street|Spring Street|Union Street|Water Street|Broadway
|Commerce Way|Industrial Park Drive|Innovation Way|Technology Drive|Enterprise Road|Canal Street
|Garden Row|Victoria Road|Albert Street|Wharf Road|Quay Street|Orchard Road|Meadow Lane
|Sunset Boulevard|Central Avenue|Liberty Street|Franklin Avenue|Lincoln Road|Madison Avenue
|Washington Street|Jefferson Avenue|Grove Street|Forest Road|Valley Road|Summit Avenue
|Harbour Street|Ocean Drive|Chapel Street|School Lane|Green Lane|North Road|South Street
|East Avenue|West Street|College Road|Castle Street|Front Street""".replace("\n", "").split("|")

FIRST_NAMES = """Aaron Abigail Adrian Aisha Alan Alberto Alex Alice Alicia Amara Amir Amy Ana
Andre Andrea Angela Anil Anna Antoine Arjun Ashley Ayesha Beatriz Ben Bianca Brandon Brian Bruno
Caleb Camila Carla Carlos Caroline Chen Chloe Chris Claire Clara Daniel Dana Daria David Deepa
Derek Diana Diego Dmitri Elena Eli Elif Emeka Emily Emma Eric Erik Ethan Eva Fatima Felix Fiona
Francesca Gabriel Grace Greta Hana Hannah Hassan Hugo Ian Imani Ingrid Irene Isaac Isabel Ivan
Jack Jade James Jasmine Javier Jenna Jessica Joao Jonas Jorge Joseph Julia Julian Kai Karen Karim
Kate Kenji Kevin Kim Laila Lars Laura Leila Leon Liam Lina Lucas Lucia Luis Maya Marco Maria Mark
Martin Megan Mei Mia Michael Miguel Mila Mohammed Nadia Naomi Nathan Nina Noah Nora Olivia Omar
Oscar Pablo Paul Pedro Priya Rachel Rafael Raj Rana Rosa Ryan Sam Samir Sara Sean Sergio Simone
Sofia Sophie Stefan Sunil Tariq Tess Thomas Tom Valentina Vera Victor Wei William Xavier Yara Yuki
Yusuf Zara Zoe""".split()
LAST_NAMES = """Abbott Adams Adeyemi Alvarez Andersen Bailey Bauer Becker Bennett Berg Bianchi
Brooks Brown Campbell Carter Castillo Chen Clarke Cohen Collins Cooper Costa Cruz Das Davies Diaz
Dubois Duarte Edwards Ellis Evans Fernandes Fischer Fleming Flores Foster Fox Garcia Gomez Gonzalez
Grant Gray Gupta Hall Hansen Harris Hayes Herrera Hoffmann Holm Hughes Ibrahim Ito Jackson Jansen
Jensen Johansson Johnson Jones Kaplan Kapoor Keller Kelly Khan Kim King Klein Kowalski Kumar Larsen
Laurent Lee Lewis Lim Lindqvist Lopez Martin Martinez Mbeki Mehta Mendes Meyer Miller Mitchell
Moore Moreno Morgan Muller Murphy Nakamura Nguyen Nielsen Novak O'Brien O'Connor Okafor Olsen Ortiz
Park Patel Perez Petrov Phillips Price Quinn Ramos Reddy Reyes Richter Rivera Roberts Robinson
Rossi Russo Santos Sato Schmidt Schneider Scott Shah Silva Singh Smith Sullivan Suzuki Tanaka Taylor
Thomas Torres Turner Vargas Wagner Walker Walsh Wang Watson Weber White Williams Wilson Wong Wright
Yamamoto Young Zhang Zimmermann""".split()
FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "proton.me"]

# A made-up company is three words, "Cobalt Harbor Systems": the last says what it does.
COMPANY_FIRST = """Acorn Alder Alpine Amber Apex Arbor Arrow Aspen Atlas Aurora Beacon Birch
Blackstone Bluewater Boulder Bright Brook Canyon Cardinal Cascade Cedar Century Clear Cliff Cobalt
Compass Copper Coral Crescent Crest Crown Crystal Cypress Delta Eagle Echo Ember Emerald Evergreen
Falcon Fern Firefly Forge Fox Frontier Garnet Glacier Golden Granite Hawk Heron Highland Horizon
Indigo Iron Ivory Jade Juniper Keystone Lark Laurel Legacy Liberty Linden Lumen Magnolia Maple
Marble Meadow Meridian Mesa Nimbus Noble North Oak Onyx Orbit Osprey Pacific Panther Pearl Pine
Pioneer Polar Prairie Quartz Raven Redwood Ridge River Sage Sapphire Sequoia Sierra Silver Spruce
Sterling Stone Summit Sun Swift Tall Terra Thistle Timber Titan True Vista Willow""".split()
COMPANY_MIDDLE = """Bay Bend Bridge Beck Cove Creek Crossing Dale Field Fields Ford Gate Glen
Grove Harbor Haven Heights Hill Hollow Island Lake Landing Line Marsh Moor Mill Mountain Park
Peak Pass Point Pond Port Rapids Reach Rise Rock Run Shore Side Sky Spring Springs Star Stream
Trail Tree Vale Valley View Wave Way Well Wind Wood Woods Works Yard Shield Light""".split()
# The last word of a company's name, and its industry.
COMPANY_LAST = {
    "Systems": "Technology",
    "Devices": "Technology",
    "Electronics": "Technology",
    "Robotics": "Manufacturing",
    "Networks": "Telecommunications",
    "Telecom": "Telecommunications",
    "Wireless": "Telecommunications",
    "Software": "Software",
    "Analytics": "Software",
    "Data": "Software",
    "Cloud": "Software",
    "Health": "Healthcare",
    "Clinics": "Healthcare",
    "Biotech": "Life Sciences",
    "Pharma": "Life Sciences",
    "Labs": "Life Sciences",
    "Foods": "Retail",
    "Outfitters": "Retail",
    "Markets": "Retail",
    "Brands": "Consumer Goods",
    "Home": "Consumer Goods",
    "Media": "Media",
    "Studios": "Media",
    "Capital": "Finance",
    "Financial": "Finance",
    "Insurance": "Insurance",
    "Bank": "Finance",
    "Staffing": "Professional Services",
    "Consulting": "Professional Services",
    "Partners": "Professional Services",
    "Legal": "Professional Services",
    "Logistics": "Transportation",
    "Freight": "Transportation",
    "Motors": "Automotive",
    "Energy": "Energy",
    "Power": "Energy",
    "Solar": "Energy",
    "Construction": "Construction",
    "Builders": "Construction",
    "Industries": "Manufacturing",
    "Manufacturing": "Manufacturing",
    "Metals": "Manufacturing",
    "Hotels": "Hospitality",
    "Travel": "Hospitality",
    "Education": "Education",
}
LEGAL_FORMS = ["", "", "", "", " Inc.", " LLC", " Ltd", " Corp.", " GmbH", " Group"]

TITLES = """CEO|CFO|COO|CTO|CIO|VP of Sales|VP of Operations|VP of Engineering|VP of Finance
|Head of IT|Head of Procurement|Head of Operations|IT Director|Finance Director|Sales Director
|Operations Director|Procurement Manager|IT Manager|Office Manager|Facilities Manager
|Engineering Manager|Product Manager|Project Manager|Operations Manager|Purchasing Lead
|Systems Administrator|Business Analyst|Controller|Founder|Managing Director|General Counsel
|Marketing Director|HR Director|Data Engineer|Solutions Architect|Account Manager|Buyer
|Chief of Staff|Team Lead|Consultant""".replace("\n", "").split("|")

PRODUCTS = [
    "Platform",
    "Analytics",
    "Security suite",
    "Data hub",
    "Workflow",
    "Support plan",
    "Integration",
    "Mobile app",
    "Training",
    "Consulting",
    "Licences",
    "Hardware bundle",
]
NEW_OPPORTUNITIES = ["rollout", "pilot", "upgrade", "migration", "evaluation", "project"]
REPEAT_OPPORTUNITIES = ["expansion", "renewal", "add-on", "upsell", "extension"]

# Where leads come from (PRODUCT.md section 2) and how often.
LEAD_SOURCES = {
    "Web form": 34,
    "Bought list": 20,
    "Trade show": 14,
    "Manual entry": 13,
    "Referral": 11,
    "API": 8,
}
# Converted leads lean to the warm sources.
CONVERTED_SOURCES = {
    "Web form": 28,
    "Referral": 24,
    "Trade show": 18,
    "Manual entry": 14,
    "Bought list": 10,
    "API": 6,
}
DIRECT_SOURCES = ["Outbound", "Outbound", "Referral", "Partner", "Event"]
REPEAT_SOURCE = "Existing customer"

DISQUALIFY_REASONS = [
    "No budget",
    "Not a decision maker",
    "No response after five attempts",
    "Too small for us",
    "Student or researcher",
    "Competitor",
    "Already a customer",
    "Wrong contact details",
    "Outside our territory",
]
LOST_REASONS = [
    "Price too high",
    "Went with a competitor",
    "No budget this year",
    "No decision: went dark",
    "Missing a feature",
    "Chose to build in-house",
    "Timing: not a priority",
    "Lost the champion",
]
NEXT_STEPS = [
    "Schedule the demo",
    "Send the proposal",
    "Follow up on the quote",
    "Book a call with the decision maker",
    "Send the contract",
    "Check references",
    "Agree the rollout plan",
    "Get security review sign-off",
]
SNOOZE_REASONS = ["Budget freeze until next quarter", "Champion on leave", "Waiting on a reorg"]
ACCOUNT_NOTES = [
    "Met at the trade show booth",
    "New CIO started; worth a call",
    "Uses a competitor, contract ends next year",
    "Budget cycle starts in October",
    "Prefers email over calls",
    "Procurement goes through a reseller",
]

# Activities: (kind, subject). On a lead; on a deal by open stage (Prospecting to Negotiation and
# beyond: a pipeline with more open stages reuses the last list); on a contact or account.
LEAD_TOUCHES = [
    ("call", "Intro call: left a voicemail"),
    ("call", "Intro call: interested, wants pricing"),
    ("call", "Qualification call"),
    ("email", "Sent the product overview"),
    ("email", "Follow-up email"),
    ("email", "Sent a case study"),
    ("note", "Downloaded the whitepaper twice"),
    ("task", "Call back next week"),
]
OPPORTUNITY_TOUCHES = [
    [
        ("call", "Discovery call"),
        ("email", "Sent the intro deck"),
        ("call", "Follow-up call"),
        ("task", "Book the discovery call"),
    ],
    [
        ("meeting", "Qualification meeting"),
        ("call", "Budget and timeline check"),
        ("email", "Sent a case study"),
        ("task", "Confirm budget owner"),
    ],
    [
        ("meeting", "Requirements workshop"),
        ("meeting", "Product demo"),
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
RECORD_TOUCHES = [
    ("call", "Check-in call"),
    ("meeting", "Quarterly business review"),
    ("email", "Shared the product roadmap"),
    ("email", "Invitation to the customer webinar"),
    ("note", "Reorganisation: new budget owner"),
    ("task", "Send the renewal reminder"),
    ("meeting", "Lunch with the team"),
]
FRESH_TOUCHES = [
    ("call", "Status call"),
    ("email", "Checked in on the decision"),
    ("meeting", "Working session"),
]
BODIES = [
    "",
    "",
    "",
    "",
    "",
    "Went well; they want to see it with their own data.",
    "Asked about the price for 50 more seats.",
    "Needs sign-off from finance first.",
    "Good conversation, follow up in two weeks.",
    "They compared us with two other vendors.",
    "Wants references from the same industry.",
]
