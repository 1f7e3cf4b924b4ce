"""Tests of the user-data loaders (tillganglighet.data.userdata) and their error messages."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, Polygon

from tillganglighet import CRSError, InputValidationError, MissingColumnError
from tillganglighet.data.userdata import read_points, read_population

STOCKHOLM_LONLAT = (18.0686, 59.3293)
KIRUNA_LONLAT = (20.2253, 67.8558)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def to_sweref(lon: float, lat: float) -> tuple[float, float]:
    return Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True).transform(lon, lat)


# --- happy paths ---------------------------------------------------------------------


def test_read_points_csv_lonlat(tmp_path: Path) -> None:
    path = write(
        tmp_path / "points.csv",
        "id,name,lon,lat,opening\n"
        f"A,Stockholm city,{STOCKHOLM_LONLAT[0]},{STOCKHOLM_LONLAT[1]},mon\n"
        f"B,Kiruna,{KIRUNA_LONLAT[0]},{KIRUNA_LONLAT[1]},tue\n",
    )
    gdf = read_points(path)
    assert list(gdf.columns) == ["point_id", "name", "kommun_kod", "opening", "geometry"]
    assert gdf.crs.to_epsg() == 3006
    x, y = gdf.geometry.x[0], gdf.geometry.y[0]
    assert (x, y) == pytest.approx(to_sweref(*STOCKHOLM_LONLAT), abs=0.01)
    assert abs(x - 674_000) < 1_000 and abs(y - 6_580_000) < 1_000
    assert list(gdf["kommun_kod"]) == ["0180", "2584"]
    assert list(gdf["point_id"]) == ["A", "B"]
    assert list(gdf["opening"]) == ["mon", "tue"]


def test_read_points_csv_xy_semicolon_with_int_kommun(tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", "id;x;y;kommun_kod\n007;674000;6580000;180\n")
    gdf = read_points(path, crs="EPSG:3006")
    assert gdf["point_id"][0] == "007"
    assert gdf["name"][0] == "007"  # no name column: the id is the name
    assert gdf["kommun_kod"][0] == "0180"
    assert (gdf.geometry.x[0], gdf.geometry.y[0]) == (674000.0, 6580000.0)


def test_read_points_gpkg_and_parquet(tmp_path: Path) -> None:
    src = gpd.GeoDataFrame(
        {"id": [1, 2], "name": ["S", "K"]},
        geometry=[Point(*STOCKHOLM_LONLAT), Point(*KIRUNA_LONLAT)],
        crs="EPSG:4326",
    )
    src.to_file(tmp_path / "p.gpkg", driver="GPKG")
    src.to_parquet(tmp_path / "p.parquet")
    for name in ("p.gpkg", "p.parquet"):
        gdf = read_points(tmp_path / name)
        assert list(gdf["point_id"]) == ["1", "2"]
        assert list(gdf["kommun_kod"]) == ["0180", "2584"]
        assert (gdf.geometry.x[1], gdf.geometry.y[1]) == pytest.approx(
            to_sweref(*KIRUNA_LONLAT), abs=0.01
        )
    assert src.crs.to_epsg() == 4326  # input untouched


def test_read_population_table(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pop.csv",
        "kommun_kod,kommun,population,jobseekers\n180,Stockholm,984748,31000\n2584,Kiruna,22000,510\n",
    )
    df = read_population(path)
    assert not isinstance(df, gpd.GeoDataFrame)
    assert list(df.index) == ["0180", "2584"]
    assert df.loc["2584", "population"] == 22000
    assert df.loc["0180", "jobseekers"] == 31000
    assert df.loc["0180", "kommun"] == "Stockholm"


def test_read_population_scb_grid(tmp_path: Path) -> None:
    path = write(tmp_path / "grid.csv", "Ruta,Pop\n4810006589000,12\n6740006580000,300\n")
    gdf = read_population(path)
    assert list(gdf.columns) == ["cell_id", "population", "kommun_kod", "geometry"]
    assert (gdf.geometry.x[0], gdf.geometry.y[0]) == (481_500.0, 6_589_500.0)
    assert gdf["kommun_kod"][1] == "0180"
    assert gdf["population"].tolist() == [12.0, 300.0]

    urban = write(tmp_path / "urban.csv", "rut_id;befolkning\n6742506580250;40\n")
    gdf = read_population(urban, cell_size_m=250)
    assert (gdf.geometry.x[0], gdf.geometry.y[0]) == (674_375.0, 6_580_375.0)


def test_read_population_polygons_become_inner_points(tmp_path: Path) -> None:
    square = Polygon([(674000, 6580000), (675000, 6580000), (675000, 6581000), (674000, 6581000)])
    src = gpd.GeoDataFrame({"population": [50]}, geometry=[square], crs="EPSG:3006")
    src.to_file(tmp_path / "areas.gpkg", driver="GPKG")
    gdf = read_population(tmp_path / "areas.gpkg")
    assert gdf.geometry.geom_type[0] == "Point"
    assert square.contains(gdf.geometry[0])
    assert gdf["kommun_kod"][0] == "0180"


# --- errors --------------------------------------------------------------------------


def test_missing_column_names_file_and_available(tmp_path: Path) -> None:
    path = write(tmp_path / "points.csv", "ID,lon,lat\n1,18.07,59.33\n")
    with pytest.raises(MissingColumnError) as err:
        read_points(path)
    message = str(err.value)
    assert message.startswith(str(path))
    assert "'id'" in message and "available columns: 'ID', 'lon', 'lat'" in message
    assert "case-sensitive" in message


def test_unknown_kommun_code_names_line_field_and_suggestion(tmp_path: Path) -> None:
    path = write(
        tmp_path / "points.csv",
        "id,kommun,kommun_kod,lon,lat\n"
        "1,Kiruna,2584,20.2253,67.8558\n"
        "2,Stockholm,9999,18.0686,59.3293\n",
    )
    with pytest.raises(InputValidationError) as err:
        read_points(path)
    message = str(err.value)
    assert message.startswith(str(path))
    assert "'kommun_kod'" in message and "line 3" in message and "'9999'" in message
    assert "did you mean '0180' (Stockholm)" in message


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    # The blank line counts: the second "A" is on line 5 of the file.
    path = write(
        tmp_path / "points.csv",
        "id,lon,lat\nA,18.07,59.33\nB,18.08,59.33\n\nA,18.09,59.33\n",
    )
    with pytest.raises(InputValidationError, match="must be unique") as err:
        read_points(path)
    message = str(err.value)
    assert "points.csv" in message and "'id'" in message
    assert "value 'A' on line 2 and line 5" in message


def test_invalid_geometry_in_geopackage(tmp_path: Path) -> None:
    bowtie = Polygon([(674000, 6580000), (675000, 6581000), (675000, 6580000), (674000, 6581000)])
    fine = Point(674000, 6580000).buffer(100)
    src = gpd.GeoDataFrame({"population": [5, 7]}, geometry=[fine, bowtie], crs="EPSG:3006")
    src.to_file(tmp_path / "areas.gpkg", driver="GPKG")
    with pytest.raises(InputValidationError, match="invalid geometries") as err:
        read_population(tmp_path / "areas.gpkg")
    message = str(err.value)
    assert "areas.gpkg" in message and "'geometry'" in message
    assert "fid 2: Self-intersection" in message


def test_polygon_where_point_required(tmp_path: Path) -> None:
    src = gpd.GeoDataFrame(
        {"id": [1]}, geometry=[Point(674000, 6580000).buffer(10)], crs="EPSG:3006"
    )
    src.to_file(tmp_path / "p.gpkg", driver="GPKG")
    with pytest.raises(InputValidationError, match="fid 1: Polygon"):
        read_points(tmp_path / "p.gpkg")


def test_sweref_metres_labelled_wgs84_are_outside_sweden(tmp_path: Path) -> None:
    src = gpd.GeoDataFrame({"id": [1]}, geometry=[Point(674000, 6580000)], crs="EPSG:4326")
    src.to_file(tmp_path / "p.gpkg", driver="GPKG")
    with pytest.raises(InputValidationError, match="outside Sweden") as err:
        read_points(tmp_path / "p.gpkg")
    message = str(err.value)
    assert "p.gpkg" in message and "is the CRS wrong" in message
    assert "fid 1: (674000, 6580000) in EPSG:4326" in message


def test_swapped_lat_lon_in_csv(tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", "id,lon,lat\n1,18.07,59.33\n2,59.33,18.07\n")
    with pytest.raises(InputValidationError) as err:
        read_points(path)
    message = str(err.value)
    assert "columns 'lon', 'lat'" in message and "line 3" in message and "swapped" in message


def test_csv_xy_without_crs(tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", "id,x,y\n1,674000,6580000\n")
    with pytest.raises(CRSError, match=r"p\.csv: columns 'x', 'y'.*crs='EPSG:3006'"):
        read_points(path)


def test_geopackage_without_crs(tmp_path: Path) -> None:
    src = gpd.GeoDataFrame({"id": [1]}, geometry=[Point(674000, 6580000)])
    with pytest.warns(UserWarning, match="crs"):
        src.to_file(tmp_path / "p.gpkg", driver="GPKG")
    with pytest.raises(CRSError, match=r"p\.gpkg: .*set it with gdf\.set_crs\("):
        read_points(tmp_path / "p.gpkg")


def test_negative_and_missing_population(tmp_path: Path) -> None:
    path = write(tmp_path / "pop.csv", "kommun_kod,population\n0180,-5\n2584,\n0114,inf\n")
    with pytest.raises(InputValidationError) as err:
        read_population(path)
    message = str(err.value)
    assert "pop.csv" in message and "'population'" in message
    assert "line 2: '-5' is negative" in message
    assert "line 3: missing value" in message
    assert "line 4: 'inf' is not finite" in message


def test_population_with_thousands_space_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "pop.csv", "kommun_kod;population\n0180;12 000\n")
    with pytest.raises(InputValidationError) as err:
        read_population(path)
    message = str(err.value)
    assert "pop.csv" in message and "'population'" in message
    assert "line 2: '12 000' is not a number" in message and "thousands" in message


def test_bad_scb_cell_ids(tmp_path: Path) -> None:
    path = write(
        tmp_path / "grid.csv",
        "Ruta,Pop\n4810006589000,1\n481000658900,2\n48100x6589000,3\n4812506589000,4\n",
    )
    with pytest.raises(InputValidationError) as err:
        read_population(path)
    message = str(err.value)
    assert "grid.csv" in message and "'Ruta'" in message and "3 invalid" in message
    assert "line 3: '481000658900' is not 13 digits" in message
    assert "line 4: '48100x6589000' is not 13 digits" in message
    assert "line 5: '4812506589000'" in message and "multiple of the cell size 1000" in message
    # the same cell is fine on a 250 m grid
    ok = write(tmp_path / "ok.csv", "Ruta,Pop\n4812506589000,4\n")
    assert len(read_population(ok, cell_size_m=250)) == 1


def test_many_problems_are_listed_up_to_ten(tmp_path: Path) -> None:
    rows = "".join(f"{i},9{i:03d},5\n" for i in range(25))
    path = write(tmp_path / "pop.csv", "id,kommun_kod,population\n" + rows)
    with pytest.raises(InputValidationError) as err:
        read_population(path, kind="table")
    message = str(err.value)
    assert "25 invalid municipality code(s)" in message
    assert "line 11:" in message and "line 12:" not in message
    assert "... and 15 more" in message


def test_point_at_sea_far_from_every_municipality(tmp_path: Path) -> None:
    # Between Öland and Gotland: inside Sweden's extent but ~25 km from land.
    path = write(tmp_path / "p.csv", "id,lon,lat\n1,18.07,59.33\nsea,17.5,57.0\n")
    with pytest.raises(InputValidationError) as err:
        read_points(path)
    message = str(err.value)
    assert "p.csv" in message and "line 3" in message and "outside Sweden" in message
    assert "at sea 33.5 km from the nearest municipality" in message


def test_duplicate_kommun_in_table(tmp_path: Path) -> None:
    path = write(tmp_path / "pop.csv", "kommun_kod,population\n180,1\n0180,2\n")
    with pytest.raises(InputValidationError, match="value '0180' on line 2 and line 3"):
        read_population(path)


def test_unsupported_file_type(tmp_path: Path) -> None:
    path = write(tmp_path / "p.xlsx", "")
    with pytest.raises(InputValidationError, match=r"p\.xlsx: unsupported file type"):
        read_points(path)


def test_population_kind_cannot_be_detected(tmp_path: Path) -> None:
    path = write(tmp_path / "pop.csv", "area,population\nx,1\n")
    with pytest.raises(MissingColumnError, match=r"pop\.csv: cannot tell the kind"):
        read_population(path)
    assert isinstance(pd.read_csv(path), pd.DataFrame)  # the file is untouched


# --- unreadable, missing and empty files ------------------------------------------------


def test_missing_file_and_folder_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputValidationError, match=r"nonexist\.csv: file not found"):
        read_population(tmp_path / "nonexist.csv")
    with pytest.raises(InputValidationError, match=r"nonexist\.gpkg: file not found"):
        read_points(tmp_path / "nonexist.gpkg")
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(InputValidationError, match=r"d\.csv: is a folder, not a file"):
        read_population(tmp_path / "d.csv")


@pytest.mark.parametrize(
    ("name", "content", "what"),
    [
        ("bad.gpkg", "this is text, not a GeoPackage\n", "GeoPackage"),
        ("bad.gpkg", "", "GeoPackage"),
        ("bad.parquet", "this is text\n", "GeoParquet"),
    ],
)
def test_unreadable_geometry_file_is_an_input_error(
    tmp_path: Path, name: str, content: str, what: str
) -> None:
    path = write(tmp_path / name, content)
    with pytest.raises(InputValidationError, match=rf"{name}: not a readable {what} file") as err:
        read_population(path)
    assert "<DRIVER>" not in str(err.value)  # GDAL's hint does not apply here
    with pytest.raises(InputValidationError, match=rf"{name}: not a readable {what} file"):
        read_points(path)


@pytest.mark.parametrize(
    "text",
    ["kommun_kod,population\n", "Ruta,Pop\n", "Ruta;Pop\r\n\r\n", "id,lon,lat,population\n"],
)
def test_header_without_data_rows_is_an_error(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "pop.csv", text)
    with pytest.raises(InputValidationError, match=r"pop\.csv: no data rows"):
        read_population(path)
    with pytest.raises(InputValidationError, match=r"pop\.csv: no data rows"):
        read_points(path)


@pytest.mark.parametrize("suffix", ["gpkg", "parquet"])
def test_geometry_file_without_features_is_an_error(tmp_path: Path, suffix: str) -> None:
    empty = gpd.GeoDataFrame(
        {"population": pd.Series([], dtype=float)}, geometry=gpd.GeoSeries([]), crs="EPSG:3006"
    )
    path = tmp_path / f"empty.{suffix}"
    if suffix == "gpkg":
        empty.to_file(path, driver="GPKG")
    else:
        empty.to_parquet(path)
    with pytest.raises(InputValidationError, match=rf"empty\.{suffix}: no data rows"):
        read_population(path)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("kommun_kod,population\n0180,100\n0181,100.5\n", 3),
        ("Ruta,Pop\n6740006580000,12.7\n", 2),
    ],
)
def test_non_integer_population_counts_are_refused(tmp_path, text, line):
    """A count of persons must be whole: the error names the file, the line and the field."""
    path = tmp_path / "pop.csv"
    path.write_text(text)
    with pytest.raises(
        InputValidationError, match=rf"(?s)pop\.csv.*line {line}: .* is not a whole number"
    ):
        read_population(path)
    # Whole numbers written with a decimal point are fine.
    path.write_text(text.replace("100.5", "100.0").replace("12.7", "12.0"))
    assert read_population(path)["population"].sum() > 0
