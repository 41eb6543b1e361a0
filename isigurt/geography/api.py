from django.http import HttpRequest
from ninja import Router, Schema

from isigurt.geography.selectors import counties_with_municipalities

router = Router()


class MunicipalityOut(Schema):
    id: int
    name: str
    slug: str
    seat: str


class CountyOut(Schema):
    id: int
    code: str
    name: str
    slug: str
    municipalities: list[MunicipalityOut]


class GeographyOut(Schema):
    counties: list[CountyOut]
    outside_albania: str


@router.get("", response=GeographyOut, summary="Counties and municipalities of Albania")
def geography(request: HttpRequest) -> dict[str, object]:
    counties = [
        {
            "id": county.id,
            "code": county.code,
            "name": county.name,
            "slug": county.slug,
            "municipalities": list(county.municipalities.all()),
        }
        for county in counties_with_municipalities()
    ]
    return {"counties": counties, "outside_albania": "outside"}
