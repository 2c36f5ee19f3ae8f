from .analytics import analytics, analytics_export, analytics_export_csv, analytics_job, analytics_snapshot
from .areas import area, areas, home
from .edit import household_edit, household_new, income_set, member_add, person_death, person_edit
from .households import household_card, household_list, person_reveal_id

__all__ = [
    "analytics", "analytics_export", "analytics_export_csv", "analytics_job", "analytics_snapshot",
    "area", "areas", "home", "household_card", "household_edit", "household_list", "household_new", "income_set",
    "member_add", "person_death", "person_edit", "person_reveal_id",
]
