from __future__ import annotations

import pytest

from lms.org.models import UnitKind


@pytest.fixture
def province(make_unit):
    """A province with two communes: the HR office of each imports its own staff."""
    root = make_unit("Tỉnh Sơn Hà", code="SH", kind=UnitKind.PROVINCE)
    an_phu = make_unit("Xã An Phú", parent=root, code="XA-AP", kind=UnitKind.COMMUNE)
    binh_minh = make_unit("Xã Bình Minh", parent=root, code="XA-BM", kind=UnitKind.COMMUNE)
    return root, an_phu, binh_minh
