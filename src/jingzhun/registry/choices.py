"""Coded fields of the registration form (DOMAIN.md section 5), with bilingual labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.core.i18n import bilingual


class PovertyStatus(models.TextChoices):
    NOT_REGISTERED = "none", _("Not registered")
    POOR = "poor", _("Poor")
    EXITED = "exited", _("Exited")
    RETURNED = "returned", _("Returned to poverty")


class IdentificationStandard(models.TextChoices):
    NATIONAL = "national", _("National standard")
    PROVINCIAL = "provincial", _("Provincial standard")
    MUNICIPAL = "municipal", _("Municipal standard")


class HouseholdType(models.TextChoices):
    GENERAL = "general", _("General poor household")
    DIBAO = "dibao", _("Minimum-living-guarantee poor household")
    TEKUN = "tekun", _("Extreme-hardship support poor household")


class Cause(models.TextChoices):
    ILLNESS = "illness", _("Illness")
    DISABILITY = "disability", _("Disability")
    SCHOOLING = "schooling", _("Schooling costs")
    DISASTER = "disaster", _("Disaster")
    LAND = "land", _("Lack of land")
    WATER = "water", _("Lack of water")
    SKILLS = "skills", _("Lack of skills")
    LABOUR = "labour", _("Lack of labour")
    FUNDS = "funds", _("Lack of funds")
    TRANSPORT = "transport", _("Poor transport")
    DRIVE = "drive", _("Lack of drive")
    OTHER = "other", _("Other")


class HousingStructure(models.TextChoices):
    REINFORCED_CONCRETE = "concrete", _("Reinforced concrete")
    BRICK_CONCRETE = "brick_concrete", _("Brick and concrete")
    BRICK_WOOD = "brick_wood", _("Brick and wood")
    WOOD = "wood", _("Wood")
    EARTH = "earth", _("Earth or adobe")
    OTHER = "other", _("Other")


class HousingGrade(models.TextChoices):
    A = "A", _("A: safe")
    B = "B", _("B: basically safe")
    C = "C", _("C: locally dangerous")
    D = "D", _("D: dangerous")


class CookingFuel(models.TextChoices):
    FIREWOOD = "firewood", _("Firewood")
    COAL = "coal", _("Coal")
    GAS = "gas", _("Gas")
    ELECTRICITY = "electricity", _("Electricity")
    BIOGAS = "biogas", _("Biogas")
    OTHER = "other", _("Other")


class WaterSource(models.TextChoices):
    PIPED = "piped", _("Piped water")
    PROTECTED_WELL = "well", _("Protected well or spring")
    CARRIED = "carried", _("Carried from a distance")
    CISTERN = "cistern", _("Rainwater cistern")
    UNPROTECTED = "unprotected", _("Unprotected source")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    CHILD_IN_LAW = "child_in_law", _("Child-in-law")
    GRANDCHILD = "grandchild", _("Grandchild")
    PARENT = "parent", _("Parent")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other relative")


class Education(models.TextChoices):
    NONE = "none", _("Illiterate or semi-literate")
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior secondary")
    SENIOR = "senior", _("Senior secondary")
    VOCATIONAL = "vocational", _("Vocational secondary")
    COLLEGE = "college", _("College and above")
    PRESCHOOL_AGE = "preschool_age", _("Below school age")


class StudentStatus(models.TextChoices):
    NOT_STUDENT = "none", _("Not a student")
    PRESCHOOL = "preschool", _("Preschool")
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior secondary")
    SENIOR = "senior", _("Senior secondary")
    VOCATIONAL = "vocational", _("Vocational school")
    COLLEGE = "college", _("College")
    HOME_TAUGHT = "home_taught", _("Taught at home")
    DROPPED_OUT = "dropped_out", _("Out of school")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("Healthy")
    CHRONIC = "chronic", _("Chronic illness")
    SERIOUS = "serious", _("Serious illness")
    DISABLED = "disabled", _("Disability")


class LabourAbility(models.TextChoices):
    NORMAL = "normal", _("Normal labour")
    SKILLED = "skilled", _("Skilled labour")
    LOST = "lost", _("Lost labour ability")
    NONE = "none", _("No labour ability")


class WorkStatus(models.TextChoices):
    FARMING = "farming", _("Farming at home")
    LOCAL = "local", _("Working locally")
    AWAY_IN_COUNTY = "away_county", _("Working away within the county")
    AWAY_IN_PROVINCE = "away_province", _("Working away within the province")
    AWAY_OUT_OF_PROVINCE = "away_out", _("Working outside the province")
    NOT_WORKING = "none", _("Not working")


class MembershipChange(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    BIRTH = "birth", _("Birth")
    MARRIAGE = "marriage", _("Marriage")
    SPLIT = "split", _("Household split")
    MOVE = "move", _("Moved")
    DEATH = "death", _("Death")
    CORRECTION = "correction", _("Correction")


# GB/T 3304 codes of the 56 nationalities.
ETHNICITY_NAMES = [
    ("01", "Han", "汉族"), ("02", "Mongol", "蒙古族"), ("03", "Hui", "回族"), ("04", "Tibetan", "藏族"),
    ("05", "Uyghur", "维吾尔族"), ("06", "Miao", "苗族"), ("07", "Yi", "彝族"), ("08", "Zhuang", "壮族"),
    ("09", "Bouyei", "布依族"), ("10", "Korean", "朝鲜族"), ("11", "Manchu", "满族"), ("12", "Dong", "侗族"),
    ("13", "Yao", "瑶族"), ("14", "Bai", "白族"), ("15", "Tujia", "土家族"), ("16", "Hani", "哈尼族"),
    ("17", "Kazakh", "哈萨克族"), ("18", "Dai", "傣族"), ("19", "Li", "黎族"), ("20", "Lisu", "傈僳族"),
    ("21", "Va", "佤族"), ("22", "She", "畲族"), ("23", "Gaoshan", "高山族"), ("24", "Lahu", "拉祜族"),
    ("25", "Sui", "水族"), ("26", "Dongxiang", "东乡族"), ("27", "Nakhi", "纳西族"), ("28", "Jingpo", "景颇族"),
    ("29", "Kyrgyz", "柯尔克孜族"), ("30", "Tu", "土族"), ("31", "Daur", "达斡尔族"), ("32", "Mulao", "仫佬族"),
    ("33", "Qiang", "羌族"), ("34", "Blang", "布朗族"), ("35", "Salar", "撒拉族"), ("36", "Maonan", "毛南族"),
    ("37", "Gelao", "仡佬族"), ("38", "Xibe", "锡伯族"), ("39", "Achang", "阿昌族"), ("40", "Pumi", "普米族"),
    ("41", "Tajik", "塔吉克族"), ("42", "Nu", "怒族"), ("43", "Uzbek", "乌孜别克族"), ("44", "Russian", "俄罗斯族"),
    ("45", "Evenki", "鄂温克族"), ("46", "De'ang", "德昂族"), ("47", "Bonan", "保安族"), ("48", "Yugur", "裕固族"),
    ("49", "Gin", "京族"), ("50", "Tatar", "塔塔尔族"), ("51", "Derung", "独龙族"), ("52", "Oroqen", "鄂伦春族"),
    ("53", "Hezhen", "赫哲族"), ("54", "Monba", "门巴族"), ("55", "Lhoba", "珞巴族"), ("56", "Jino", "基诺族"),
]
ETHNICITY_CHOICES = [(code, bilingual(en, zh)) for code, en, zh in ETHNICITY_NAMES]
