"""The Azure regions the emulator offers (name, display name, geography group, latitude, longitude, pair)."""

REGIONS = [
    ("eastus", "East US", "US", "37.3719", "-79.8164", "westus"),
    ("eastus2", "East US 2", "US", "36.6681", "-78.3889", "centralus"),
    ("centralus", "Central US", "US", "41.5908", "-93.6208", "eastus2"),
    ("westus", "West US", "US", "37.783", "-122.417", "eastus"),
    ("westus2", "West US 2", "US", "47.233", "-119.852", "westcentralus"),
    ("westus3", "West US 3", "US", "33.448376", "-112.074036", "eastus"),
    ("northcentralus", "North Central US", "US", "41.8819", "-87.6278", "southcentralus"),
    ("southcentralus", "South Central US", "US", "29.4167", "-98.5", "northcentralus"),
    ("westcentralus", "West Central US", "US", "40.89", "-110.234", "westus2"),
    ("northeurope", "North Europe", "Europe", "53.3478", "-6.2597", "westeurope"),
    ("westeurope", "West Europe", "Europe", "52.3667", "4.9", "northeurope"),
    ("uksouth", "UK South", "Europe", "50.941", "-0.799", "ukwest"),
    ("ukwest", "UK West", "Europe", "53.427", "-3.084", "uksouth"),
    ("francecentral", "France Central", "Europe", "46.3772", "2.3730", "francesouth"),
    ("germanywestcentral", "Germany West Central", "Europe", "50.110924", "8.682127", "germanynorth"),
    ("swedencentral", "Sweden Central", "Europe", "60.67488", "17.14127", "swedensouth"),
    ("switzerlandnorth", "Switzerland North", "Europe", "47.451542", "8.564572", "switzerlandwest"),
    ("norwayeast", "Norway East", "Europe", "59.913868", "10.752245", "norwaywest"),
    ("polandcentral", "Poland Central", "Europe", "52.23334", "21.01666", ""),
    ("italynorth", "Italy North", "Europe", "45.46888", "9.18109", ""),
    ("southeastasia", "Southeast Asia", "Asia Pacific", "1.283", "103.833", "eastasia"),
    ("eastasia", "East Asia", "Asia Pacific", "22.267", "114.188", "southeastasia"),
    ("centralindia", "Central India", "Asia Pacific", "18.5822", "73.9197", "southindia"),
    ("koreacentral", "Korea Central", "Asia Pacific", "37.5665", "126.978", "koreasouth"),
    ("japanwest", "Japan West", "Asia Pacific", "34.6939", "135.5022", "japaneast"),
    ("australiasoutheast", "Australia Southeast", "Asia Pacific", "-37.8136", "144.9631", "australiaeast"),
    ("japaneast", "Japan East", "Asia Pacific", "35.68", "139.77", "japanwest"),
    ("australiaeast", "Australia East", "Asia Pacific", "-33.86", "151.2094", "australiasoutheast"),
    ("canadacentral", "Canada Central", "Canada", "43.653", "-79.383", "canadaeast"),
    ("canadaeast", "Canada East", "Canada", "46.817", "-71.217", "canadacentral"),
    ("brazilsouth", "Brazil South", "South America", "-23.55", "-46.633", "southcentralus"),
]

NAMES = [r[0] for r in REGIONS]
DISPLAY = {r[0]: r[1] for r in REGIONS}


def normalize(location):
    """ARM's canonical location name ('West Europe' -> 'westeurope'); None when unknown."""
    if not isinstance(location, str):
        return None
    name = location.replace(" ", "").lower()
    return name if name in DISPLAY else None


def location_list(subscription):
    return [
        {
            "id": f"/subscriptions/{subscription}/locations/{name}", "name": name, "type": "Region",
            "displayName": display, "regionalDisplayName": f"({group}) {display}",
            "metadata": {
                "regionType": "Physical", "regionCategory": "Recommended", "geographyGroup": group,
                "longitude": lon, "latitude": lat, "physicalLocation": display,
                "pairedRegion": [{"name": pair, "id": f"/subscriptions/{subscription}/locations/{pair}"}] if pair else [],
            },
        }
        for name, display, group, lat, lon, pair in REGIONS
    ]
