"""Demo data shared by every member: a network, a plan with its benefits, care programs and a
provider directory around San Francisco's 94107 (local mode only; see demo.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from shared.db import Queries

NETWORK = "bay_choice"
OTHER_NETWORK = "valley_select"  # providers only in it are out of the demo plan's network


def demo_id(name: str) -> str:
    """A fixed id for a demo row, the same on every run."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"convonet:demo:healthcare:{name}"))


PLAN_ID = demo_id("plan:bay-choice-ppo-gold")


@dataclass(frozen=True)
class BenefitRow:
    category: str
    copay: int = 0
    coinsurance: int = 0
    deductible: bool = False
    prior_auth: bool = False
    out_of_network: int | None = 40
    visit_limit: int | None = None
    covered: bool = True
    notes: str = ""


BENEFITS = (
    BenefitRow("preventive_care", out_of_network=None, notes="Covered in full in network."),
    BenefitRow("primary_care_visit", copay=25),
    BenefitRow("specialist_visit", copay=50),
    BenefitRow("telehealth", copay=10, out_of_network=None),
    BenefitRow("urgent_care", copay=75),
    BenefitRow("emergency_room", copay=300, coinsurance=20, deductible=True, out_of_network=20,
               notes="The copay is waived if you are admitted."),
    BenefitRow("ambulance", coinsurance=20, deductible=True, out_of_network=20),
    BenefitRow("lab_tests", coinsurance=10, deductible=True),
    BenefitRow("diagnostic_imaging", coinsurance=20, deductible=True),
    BenefitRow("advanced_imaging", coinsurance=20, deductible=True, prior_auth=True),
    BenefitRow("physical_therapy", copay=40, visit_limit=30),
    BenefitRow("chiropractic", copay=40, visit_limit=20),
    BenefitRow("mental_health_outpatient", copay=25),
    BenefitRow("substance_use", copay=25),
    BenefitRow("inpatient_hospital", coinsurance=20, deductible=True, prior_auth=True),
    BenefitRow("outpatient_surgery", coinsurance=20, deductible=True, prior_auth=True),
    BenefitRow("maternity", coinsurance=10, deductible=True),
    BenefitRow("generic_drugs", copay=10, out_of_network=None),
    BenefitRow("brand_drugs", copay=45, out_of_network=None),
    BenefitRow("specialty_drugs", coinsurance=30, prior_auth=True, out_of_network=None),
    BenefitRow("durable_medical_equipment", coinsurance=20, deductible=True, prior_auth=True),
    BenefitRow("home_health", coinsurance=20, deductible=True, prior_auth=True, visit_limit=60),
    BenefitRow("skilled_nursing", coinsurance=20, deductible=True, prior_auth=True),
    BenefitRow("hospice", out_of_network=None),
    BenefitRow("sleep_study", coinsurance=20, deductible=True, prior_auth=True),
    BenefitRow("routine_eye_exam", covered=False, out_of_network=None,
               notes="Routine vision care for adults is not covered."),
    BenefitRow("acupuncture", covered=False, out_of_network=None),
)  # fmt: skip


@dataclass(frozen=True)
class ProviderRow:
    key: str
    npi: str
    name: str
    kind: str
    specialty: str
    address: str
    city: str
    zip: str
    phone: str
    accepting: bool
    networks: tuple[str, ...] = (NETWORK,)

    @property
    def id(self) -> str:
        return demo_id(f"provider:{self.key}")


SF = "San Francisco"
PROVIDERS = (
    ProviderRow("chen", "1548203371", "Maya Chen, MD", "clinician", "primary_care",
                "450 Townsend St", SF, "94107", "+1 415 555 0110", True),
    ProviderRow("okafor", "1730394426", "Daniel Okafor, MD", "clinician", "primary_care",
                "1101 Folsom St", SF, "94103", "+1 415 555 0111", False),
    ProviderRow("raman", "1285617730", "Priya Raman, MD", "clinician", "primary_care",
                "3050 24th St", SF, "94110", "+1 415 555 0112", True),
    ProviderRow("potrero_family", "1922048815", "Potrero Hill Family Medicine", "facility",
                "primary_care", "1400 18th St", SF, "94107", "+1 415 555 0113", True,
                (OTHER_NETWORK,)),
    ProviderRow("weiss", "1467705592", "Samuel Weiss, MD", "clinician", "cardiology",
                "1825 4th St", SF, "94158", "+1 415 555 0120", True),
    ProviderRow("vasquez", "1093826614", "Elena Vasquez, MD", "clinician", "cardiology",
                "680 Brannan St", SF, "94107", "+1 415 555 0121", False),
    ProviderRow("golden_gate_cardio", "1356498820", "Golden Gate Cardiology Associates",
                "facility", "cardiology", "2100 Webster St", SF, "94115", "+1 415 555 0122",
                True, ()),
    ProviderRow("bell", "1619023347", "Marcus Bell, MD", "clinician", "cardiology",
                "350 Hawthorne Ave", "Oakland", "94609", "+1 510 555 0123", True),
    ProviderRow("liu", "1174520983", "Grace Liu, MD", "clinician", "dermatology",
                "201 Spear St", SF, "94105", "+1 415 555 0130", True),
    ProviderRow("kim", "1831176640", "Robert Kim, MD", "clinician", "orthopedics",
                "1500 Owens St", SF, "94158", "+1 415 555 0140", True),
    ProviderRow("soma_pt", "1740281155", "SoMa Physical Therapy", "facility",
                "physical_therapy", "655 3rd St", SF, "94107", "+1 415 555 0150", True),
    ProviderRow("bay_imaging", "1205938461", "Bay Imaging Center", "facility", "radiology",
                "1375 Mission St", SF, "94103", "+1 415 555 0160", True),
    ProviderRow("dogpatch_urgent", "1588837206", "Dogpatch Urgent Care", "facility",
                "urgent_care", "2415 3rd St", SF, "94107", "+1 415 555 0170", True),
    ProviderRow("bayside_lab", "1962740318", "Bayside Lab Services", "facility", "laboratory",
                "300 De Haro St", SF, "94107", "+1 415 555 0180", True),
    ProviderRow("brooks", "1326659071", "Hannah Brooks, PsyD", "clinician", "mental_health",
                "2940 16th St", SF, "94103", "+1 415 555 0190", False),
    ProviderRow("nguyen", "1437782290", "Linh Nguyen, LCSW", "clinician", "mental_health",
                "1 Daniel Burnham Ct", SF, "94109", "+1 415 555 0191", True),
    ProviderRow("martinez", "1649931502", "Sofia Martinez, MD", "clinician",
                "obstetrics_gynecology", "3580 Cesar Chavez St", SF, "94110", "+1 415 555 0195",
                True),
    ProviderRow("patel", "1750043817", "Jordan Patel, MD", "clinician", "gastroenterology",
                "2333 Buchanan St", SF, "94115", "+1 415 555 0196", True),
    ProviderRow("mission_bay_medical", "1871154926", "Mission Bay Medical Center", "facility",
                "hospital", "1975 4th St", SF, "94158", "+1 415 555 0100", True),
)  # fmt: skip


@dataclass(frozen=True)
class ProgramRow:
    id: str
    name: str
    description: str
    condition: str | None = None
    min_age: int | None = 18


PROGRAMS = (
    ProgramRow("heart_health", "Healthy Heart",
               "A nurse coach and a home blood pressure cuff to bring blood pressure down.",
               "hypertension"),
    ProgramRow("diabetes_care", "Diabetes Care Partners",
               "Coaching, a glucose meter and supplies, and a dietitian for members with diabetes.",
               "diabetes"),
    ProgramRow("quit_tobacco", "Quit for Good",
               "Coaching and nicotine replacement at no cost to stop smoking or vaping."),
    ProgramRow("back_on_track", "Back on Track",
               "Guided exercise therapy at home for back and joint pain."),
)  # fmt: skip


def seed_directory(db: Queries) -> None:
    """The shared rows: networks, the plan, its benefits and programs, the providers."""
    for network, name in ((NETWORK, "Bay Choice Network"), (OTHER_NETWORK, "Valley Select")):
        db.execute(
            "INSERT INTO healthcare.networks (id, name) VALUES (:id, :name) ON CONFLICT DO NOTHING",
            id=network,
            name=name,
        )
    db.execute(
        "INSERT INTO healthcare.plans (id, name, plan_type, network_id, deductible_individual,"
        " deductible_family, oop_max_individual, oop_max_family, appeal_window_days,"
        " member_services_phone) VALUES (:id, 'Bay Choice PPO Gold', 'PPO', :network, 1500,"
        " 3000, 5000, 10000, 180, '+1 800 555 0142') ON CONFLICT DO NOTHING",
        id=PLAN_ID,
        network=NETWORK,
    )
    for b in BENEFITS:
        db.execute(
            "INSERT INTO healthcare.plan_benefits (plan_id, category, covered, copay,"
            " coinsurance_pct, deductible_applies, prior_auth_required,"
            " out_of_network_coinsurance_pct, visit_limit, notes) VALUES (:plan, :category,"
            " :covered, :copay, :coinsurance, :deductible, :prior_auth, :oon, :visits, :notes)"
            " ON CONFLICT DO NOTHING",
            plan=PLAN_ID,
            category=b.category,
            covered=b.covered,
            copay=Decimal(b.copay),
            coinsurance=b.coinsurance,
            deductible=b.deductible,
            prior_auth=b.prior_auth,
            oon=b.out_of_network,
            visits=b.visit_limit,
            notes=b.notes,
        )
    for p in PROVIDERS:
        db.execute(
            "INSERT INTO healthcare.providers (id, npi, name, kind, specialty, address, city,"
            " state, zip, phone, accepting_new_patients) VALUES (:id, :npi, :name, :kind,"
            " :specialty, :address, :city, 'CA', :zip, :phone, :accepting)"
            " ON CONFLICT DO NOTHING",
            id=p.id,
            npi=p.npi,
            name=p.name,
            kind=p.kind,
            specialty=p.specialty,
            address=p.address,
            city=p.city,
            zip=p.zip,
            phone=p.phone,
            accepting=p.accepting,
        )
        for network in p.networks:
            db.execute(
                "INSERT INTO healthcare.provider_networks (provider_id, network_id)"
                " VALUES (:provider, :network) ON CONFLICT DO NOTHING",
                provider=p.id,
                network=network,
            )
    for program in PROGRAMS:
        db.execute(
            "INSERT INTO healthcare.care_programs (id, name, description, required_condition,"
            " min_age) VALUES (:id, :name, :description, :condition, :min_age)"
            " ON CONFLICT DO NOTHING",
            id=program.id,
            name=program.name,
            description=program.description,
            condition=program.condition,
            min_age=program.min_age,
        )
        db.execute(
            "INSERT INTO healthcare.plan_care_programs (plan_id, program_id)"
            " VALUES (:plan, :program) ON CONFLICT DO NOTHING",
            plan=PLAN_ID,
            program=program.id,
        )
