from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.org.models import OrgUnit, UnitKind
from lms.org.operations import UnitError, move_unit
from lms.org.queries import ancestors, is_within, subtree_ids, unit_tree


@pytest.fixture
def tree(make_unit):
    province = make_unit("Tỉnh", code="P")
    home_affairs = make_unit("Sở Nội vụ", parent=province, code="SNV")
    commune = make_unit("Xã Đông", parent=province, kind=UnitKind.COMMUNE, code="XD")
    school = make_unit("Trường Đông", parent=commune, kind=UnitKind.SCHOOL, code="XD-T")
    other = make_unit("Xã Tây", parent=province, kind=UnitKind.COMMUNE, code="XT")
    return {"P": province, "SNV": home_affairs, "XD": commune, "XD-T": school, "XT": other}


def codes(ids) -> set[str]:
    return set(db.session.execute(select(OrgUnit.code).where(OrgUnit.id.in_(ids))).scalars())


def test_subtree_is_one_query_over_the_closure(app, tree):
    with app.app_context():
        assert codes(subtree_ids(tree["P"].id)) == {"P", "SNV", "XD", "XD-T", "XT"}
        assert codes(subtree_ids(tree["XD"].id)) == {"XD", "XD-T"}
        assert codes(subtree_ids(tree["XD-T"].id)) == {"XD-T"}
        assert is_within(tree["XD-T"].id, tree["P"].id)
        assert not is_within(tree["XD-T"].id, tree["XT"].id)
        assert [unit.code for unit in ancestors(tree["XD-T"].id)] == ["P", "XD", "XD-T"]


def test_moving_a_unit_moves_its_whole_subtree(app, tree):
    with app.app_context():
        commune = db.session.get(OrgUnit, tree["XD"].id)
        move_unit(commune, db.session.get(OrgUnit, tree["XT"].id))
        db.session.commit()
        assert codes(subtree_ids(tree["XT"].id)) == {"XT", "XD", "XD-T"}
        assert [unit.code for unit in ancestors(tree["XD-T"].id)] == ["P", "XT", "XD", "XD-T"]
        assert codes(subtree_ids(tree["P"].id)) == {"P", "SNV", "XD", "XD-T", "XT"}


def test_a_unit_cannot_move_below_itself(app, tree):
    with app.app_context():
        commune = db.session.get(OrgUnit, tree["XD"].id)
        with pytest.raises(UnitError):
            move_unit(commune, db.session.get(OrgUnit, tree["XD-T"].id))
        db.session.rollback()
        assert codes(subtree_ids(tree["XD"].id)) == {"XD", "XD-T"}


def test_tree_listing_is_depth_first_with_depths(app, tree):
    with app.app_context():
        rows = [(row.unit.code, row.depth) for row in unit_tree()]
        assert rows[0] == ("P", 0)
        assert rows.index(("XD", 1)) + 1 == rows.index(("XD-T", 2))
        scoped = [(row.unit.code, row.depth) for row in unit_tree(subtree_ids(tree["XD"].id))]
        assert scoped == [("XD", 0), ("XD-T", 1)]
