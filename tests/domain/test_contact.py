"""Phone numbers: normalising what customers type, masking for logs."""

import pytest

from backend.domain.contact import mask_address, mask_phone, normalise_phone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+86-13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits
        ("＋８６ １３８１２３４５６７８", "13812345678"),
        ("19912345678", "19912345678"),
        # landlines with area code; 010 and 02x are three-digit codes with 8-digit numbers
        ("010-12345678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("(010) 1234 5678", "010-12345678"),
        ("（021）12345678", "021-12345678"),
        ("02112345678", "021-12345678"),
        ("0755-1234567", "0755-1234567"),
        ("0755－12345678", "0755-12345678"),  # full-width dash
        ("075512345678", "0755-12345678"),
        ("05711234567", "0571-1234567"),
        # 400 / 800 service numbers
        ("400-820-8820", "400-820-8820"),
        ("4008208820", "400-820-8820"),
        ("800 820 8820", "800-820-8820"),
    ],
)
def test_normalise_phone(text, expected):
    assert normalise_phone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "12345678901",  # mobiles start 13-19
        "1381234567",  # ten digits
        "138123456789",  # twelve digits
        "R2611-0007",
        "朝阳区建国路88号",
        "500-820-8820",
        "010-123456",  # local part too short
    ],
)
def test_not_a_phone(text):
    assert normalise_phone(text) is None


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("010-12345678", "010****5678"),
        ("400-820-8820", "400****8820"),
        ("123456", "******"),  # too short to show any of it
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("北京市朝阳区建国路88号院3号楼", "北京市朝阳****"),  # 16 characters: keep 5
        ("上海市浦东新区世纪大道100号国金中心写字楼1201室", "上海市浦东新****"),  # at most 6
        ("朝阳区", "朝阳****"),  # at least 2
        ("", ""),
        (None, ""),
    ],
)
def test_mask_address(address, masked):
    assert mask_address(address) == masked
