//! Reading a file into header + rows of text, whatever its format and encoding.
//!
//! CSV is streamed: only the current row is in memory. Excel and GeoJSON
//! files are read whole. An `.xlsx` is checked before it is read (each
//! entry inflated once, counting, against [`ZIP_MAX_ENTRY`],
//! [`ZIP_MAX_TOTAL`] and [`ZIP_MAX_RATIO`]) and its sheet read cell by cell
//! within [`SHEET_MAX_ROWS`], [`SHEET_MAX_COLUMNS`] and [`SHEET_MAX_CELLS`],
//! so only the cells that hold a value are ever allocated (calamine's
//! whole-sheet read allocates rows × columns). An `.xls` is read whole by
//! calamine, once its sheets' areas are checked against [`XLS_MAX_AREA`].

use std::{
    fs::File,
    io::{BufReader, Read},
    path::Path,
};

use anyhow::Context as _;
use encoding_rs::Encoding;

/// A file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Xlsx,
    Xls,
    Geojson,
    /// OpenStreetMap: an `.osm.pbf` extract, or Overpass JSON.
    Osm,
}

impl Format {
    /// The file name ending this format is saved under.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Geojson => "geojson",
            Format::Osm => "osm.pbf",
        }
    }

    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_lowercase().as_str() {
            "csv" | "txt" | "tsv" => Some(Format::Csv),
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            "xls" => Some(Format::Xls),
            "geojson" | "json" => Some(Format::Geojson),
            "pbf" => Some(Format::Osm),
            _ => None,
        }
    }
}

/// One row of cells, aligned with the header.
pub struct Record {
    /// CSV: the line in the file (the header is line 1). Excel: the sheet's
    /// row number. GeoJSON: the feature, from 1.
    pub row: usize,
    pub cells: Vec<String>,
    /// A problem with the row as a whole (its length, its bytes).
    pub problem: Option<(String, String)>,
}

/// An open file: its header, and its rows one at a time.
pub struct Input {
    pub headers: Vec<String>,
    /// The format read: as asked, except that a `.json` file holding
    /// Overpass JSON is read as OpenStreetMap.
    pub format: Format,
    /// The text encoding the file was read in (CSV), for the report.
    pub encoding: Option<&'static str>,
    /// Toilets the file itself says are not public (OpenStreetMap
    /// `access=private` or `no`), left out.
    pub private: usize,
    /// A known list's reading of its columns, whose added columns follow
    /// the file's in `headers` and in every row.
    pub derived: Option<super::schemas::Derived>,
    rows: Rows,
}

enum Rows {
    Csv {
        reader: csv::Reader<Box<dyn Read>>,
        record: csv::ByteRecord,
    },
    Table(std::vec::IntoIter<Record>),
}

impl Input {
    /// Opens `path`. `progress` wraps the underlying reader so a progress
    /// bar can follow the bytes read.
    pub fn open(
        path: &Path,
        format: Format,
        encoding: Option<&'static Encoding>,
        sheet: Option<&str>,
        checked_on: Option<chrono::NaiveDate>,
        progress: impl FnOnce(File) -> Box<dyn Read>,
    ) -> anyhow::Result<Input> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let size = file.metadata().map_or(0, |m| m.len());
        if matches!(format, Format::Geojson | Format::Osm) && size > GEOJSON_MAX_BYTES {
            anyhow::bail!(
                "the file is {} MiB; at most {} MiB of GeoJSON or OpenStreetMap is read (cut the extract to the city)",
                size >> 20,
                GEOJSON_MAX_BYTES >> 20
            );
        }
        let known = |mut input: Input| {
            input.derived = super::schemas::Derived::recognise(&input.headers, checked_on);
            if let Some(d) = &input.derived {
                input.headers.extend(d.adds.iter().cloned());
            }
            input
        };
        match format {
            Format::Csv => {
                open_csv(Box::new(LineCap::new(progress(file))), encoding, path).map(known)
            }
            Format::Xlsx | Format::Xls => open_excel(path, format, sheet).map(known),
            Format::Geojson => open_geojson(BufReader::new(progress(file))),
            Format::Osm => {
                let mut reader = BufReader::new(progress(file));
                let json = std::io::BufRead::fill_buf(&mut reader)?
                    .iter()
                    .find(|b| !b.is_ascii_whitespace())
                    == Some(&b'{');
                if json {
                    let doc: serde_json::Value =
                        serde_json::from_reader(reader).context("not valid JSON")?;
                    Ok(osm_input(super::osm::read_overpass(&doc)?))
                } else {
                    drop(reader);
                    Ok(osm_input(super::osm::read_pbf(path)?))
                }
            }
        }
    }

    /// The next row; an error only when the file cannot be read on.
    pub fn next_record(&mut self) -> anyhow::Result<Option<Record>> {
        let mut record = self.next_read()?;
        if let (Some(d), Some(r)) = (&self.derived, &mut record) {
            let added = if r.problem.is_none() {
                d.cells(&r.cells)
            } else {
                vec![String::new(); d.adds.len()]
            };
            r.cells.extend(added);
        }
        Ok(record)
    }

    /// The next row as the file has it.
    fn next_read(&mut self) -> anyhow::Result<Option<Record>> {
        match &mut self.rows {
            Rows::Table(rows) => Ok(rows.next()),
            Rows::Csv { reader, record } => {
                match reader.read_byte_record(record) {
                    Ok(false) => return Ok(None),
                    Ok(true) => {}
                    Err(e) => {
                        let line = e.position().map_or(0, |p| p.line());
                        anyhow::bail!("malformed CSV near line {line}: {e}");
                    }
                }
                let row = record.position().map_or(0, |p| p.line() as usize);
                if record.len() > CSV_MAX_COLUMNS {
                    return Ok(Some(Record {
                        row,
                        cells: Vec::new(),
                        problem: Some((
                            "*".to_owned(),
                            format!("{} fields; at most {CSV_MAX_COLUMNS}", record.len()),
                        )),
                    }));
                }
                let mut problem = None;
                let mut cells = Vec::with_capacity(record.len());
                for (i, bytes) in record.iter().enumerate() {
                    match std::str::from_utf8(bytes) {
                        Ok(text) => cells.push(text.to_owned()),
                        Err(_) => {
                            let column = self.headers.get(i).cloned().unwrap_or_default();
                            problem.get_or_insert((
                                column,
                                format!(
                                    "{} (not valid text in this file's encoding; pass --encoding)",
                                    String::from_utf8_lossy(bytes)
                                ),
                            ));
                            cells.push(String::new());
                        }
                    }
                }
                // The file's own columns, without those a known list adds.
                let own = self.headers.len() - self.derived.as_ref().map_or(0, |d| d.adds.len());
                if cells.len() != own && problem.is_none() {
                    problem = Some((
                        "*".to_owned(),
                        format!(
                            "{} fields where the header has {own}: columns are shifted",
                            cells.len(),
                        ),
                    ));
                }
                Ok(Some(Record {
                    row,
                    cells,
                    problem,
                }))
            }
        }
    }
}

/// How many bytes are sniffed to tell the encoding.
const SNIFF: usize = 64 * 1024;

/// Tells a file's encoding from its first bytes: a byte-order mark, else
/// UTF-8 when the bytes are valid UTF-8, else chardetng's guess (GBK,
/// Big5, …) with Chinese as the expected language.
pub fn detect_encoding(sample: &[u8], complete: bool) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(sample) {
        return encoding;
    }
    match std::str::from_utf8(sample) {
        Ok(_) => return encoding_rs::UTF_8,
        // A character cut off at the end of the sample is still UTF-8.
        Err(e) if e.error_len().is_none() && !complete => return encoding_rs::UTF_8,
        Err(_) => {}
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(sample, complete);
    let guess = detector.guess(Some(b"cn"), chardetng::Utf8Detection::Deny);
    // GB18030 decodes everything GBK does, and more.
    let guess = if guess == encoding_rs::GBK {
        encoding_rs::GB18030
    } else {
        guess
    };
    // A short file gives the detector little to go on; the header row of a
    // toilet list is a strong hint: prefer the encoding under which most
    // header cells are column names we know.
    let header = sample.split(|b| *b == b'\n').next().unwrap_or_default();
    let score = |encoding: &'static Encoding| -> isize {
        let (text, had_errors) = encoding.decode_without_bom_handling(header);
        let known = text
            .split([',', '\t'])
            .filter(|h| super::Field::from_header(h).is_some())
            .count() as isize;
        if had_errors { known - 100 } else { known }
    };
    [guess, encoding_rs::GB18030, encoding_rs::BIG5]
        .into_iter()
        .max_by_key(|e| (score(e), *e == guess))
        .unwrap_or(guess)
}

fn open_csv(
    mut reader: Box<dyn Read>,
    encoding: Option<&'static Encoding>,
    path: &Path,
) -> anyhow::Result<Input> {
    let mut sample = Vec::with_capacity(SNIFF);
    (&mut reader)
        .take(SNIFF as u64)
        .read_to_end(&mut sample)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let complete = sample.len() < SNIFF;
    let encoding = encoding.unwrap_or_else(|| detect_encoding(&sample, complete));
    let whole: Box<dyn Read> = Box::new(std::io::Cursor::new(sample).chain(reader));
    // UTF-8 is read as bytes and checked cell by cell; anything else is
    // decoded to UTF-8 on the way in.
    let text: Box<dyn Read> = if encoding == encoding_rs::UTF_8 {
        whole
    } else {
        Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding))
                .build(whole),
        )
    };
    let delimiter = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv"))
    {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text);
    let headers = reader
        .byte_headers()
        .context("cannot read the header row")?
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            std::str::from_utf8(raw)
                .map(|h| h.trim_start_matches('\u{feff}').trim().to_owned())
                .map_err(|_| {
                    anyhow::anyhow!(
                        "the header row is not valid {} text (column {}); pass --encoding",
                        encoding.name(),
                        i + 1
                    )
                })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    if headers.len() > CSV_MAX_COLUMNS {
        anyhow::bail!(
            "the header row has {} columns; at most {CSV_MAX_COLUMNS}",
            headers.len()
        );
    }
    Ok(Input {
        headers,
        format: Format::Csv,
        encoding: Some(encoding.name()),
        private: 0,
        derived: None,
        rows: Rows::Csv {
            reader,
            record: csv::ByteRecord::new(),
        },
    })
}

/// The longest CSV line in bytes (a quoted field may span lines), and the
/// most columns a CSV row may have.
pub const CSV_MAX_LINE: usize = 1 << 20;
pub const CSV_MAX_COLUMNS: usize = SHEET_MAX_COLUMNS as usize;
/// The largest GeoJSON file: it is read whole, and parsed JSON takes
/// several times its size. Nesting is bounded by serde_json (128 levels).
pub const GEOJSON_MAX_BYTES: u64 = 256 << 20;

/// Passes bytes through, failing on a line longer than [`CSV_MAX_LINE`].
struct LineCap<R> {
    inner: R,
    run: usize,
}

impl<R> LineCap<R> {
    fn new(inner: R) -> Self {
        LineCap { inner, run: 0 }
    }
}

impl<R: Read> Read for LineCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let read = &buf[..n];
        self.run = match read.iter().rposition(|&b| b == b'\n') {
            Some(last) => {
                let longest = read[..last]
                    .split(|&b| b == b'\n')
                    .enumerate()
                    .map(|(i, line)| line.len() + if i == 0 { self.run } else { 0 })
                    .max()
                    .unwrap_or(0);
                if longest > CSV_MAX_LINE {
                    return Err(line_too_long());
                }
                n - last - 1
            }
            None => self.run + n,
        };
        if self.run > CSV_MAX_LINE {
            return Err(line_too_long());
        }
        Ok(n)
    }
}

fn line_too_long() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("a line longer than {} MiB, the limit", CSV_MAX_LINE >> 20),
    )
}

/// The most rows, columns and non-empty cells a sheet may have: more than
/// any toilet list, far less than would exhaust the server. Checked on the
/// sheet's declared size and on every cell as it is read, before anything
/// is allocated for the sheet as a whole.
pub const SHEET_MAX_ROWS: u32 = 1_048_576;
pub const SHEET_MAX_COLUMNS: u32 = 256;
pub const SHEET_MAX_CELLS: usize = 10_000_000;
/// What one `.xlsx` entry may inflate to, all of them together, and how
/// many times its compressed size (for entries over 1 MiB).
pub const ZIP_MAX_ENTRY: u64 = 256 << 20;
pub const ZIP_MAX_TOTAL: u64 = 512 << 20;
pub const ZIP_MAX_RATIO: u64 = 100;

/// Refuses an `.xlsx` whose entries inflate too far, by inflating each
/// (a declared size can lie) and stopping at the first limit passed.
fn check_zip(path: &Path) -> anyhow::Result<()> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .context("not an .xlsx workbook (it is not a zip archive)")?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).context("a damaged .xlsx entry")?;
        let name = entry
            .name()
            .map_or_else(|_| format!("#{}", i + 1), |n| n.into_owned());
        let compressed = entry.compressed_size();
        let allowed = ZIP_MAX_ENTRY.min((compressed * ZIP_MAX_RATIO).max(1 << 20));
        let inflated = std::io::copy(&mut (&mut entry).take(allowed + 1), &mut std::io::sink())
            .with_context(|| format!("cannot inflate the .xlsx entry {name}"))?;
        if inflated > allowed {
            if allowed == ZIP_MAX_ENTRY {
                anyhow::bail!(
                    "the .xlsx entry {name} inflates to more than {} MiB, the limit per entry",
                    ZIP_MAX_ENTRY >> 20
                );
            }
            anyhow::bail!(
                "the .xlsx entry {name} inflates more than {ZIP_MAX_RATIO} times its \
                 {compressed} compressed bytes, the limit (a zip bomb?)"
            );
        }
        total += inflated;
        if total > ZIP_MAX_TOTAL {
            anyhow::bail!(
                "the .xlsx inflates to more than {} MiB in all, the limit",
                ZIP_MAX_TOTAL >> 20
            );
        }
    }
    Ok(())
}

/// A sheet's non-empty rows: 0-based row number, and the cells.
type SheetRows = Vec<(usize, Vec<calamine::Data>)>;

/// A1-style name of a cell, for messages (0-based row and column).
fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        letters.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

/// The sheet's non-empty rows (0-based row, cells from column A), read
/// cell by cell within the limits.
fn xlsx_rows(path: &Path, sheet: Option<&str>) -> anyhow::Result<(String, SheetRows)> {
    use calamine::{Data, Reader as _};
    check_zip(path)?;
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(path)
        .with_context(|| format!("cannot read {} as an Excel workbook", path.display()))?;
    let name = pick_sheet(&workbook.sheet_names(), sheet)?;
    let mut cells = workbook
        .worksheet_cells_reader(&name)
        .with_context(|| format!("cannot read sheet {name:?}"))?;
    let declared = cells.dimensions();
    let (rows, columns) = (
        declared.end.0.saturating_sub(declared.start.0) + 1,
        declared.end.1.saturating_sub(declared.start.1) + 1,
    );
    if rows > SHEET_MAX_ROWS || columns > SHEET_MAX_COLUMNS {
        anyhow::bail!(
            "sheet {name:?} declares {rows} rows × {columns} columns ({}:{}); \
             the limit is {SHEET_MAX_ROWS} rows and {SHEET_MAX_COLUMNS} columns",
            cell_name(declared.start.0, declared.start.1),
            cell_name(declared.end.0, declared.end.1)
        );
    }
    let mut by_row: std::collections::BTreeMap<u32, Vec<Data>> = Default::default();
    let mut count = 0usize;
    while let Some(cell) = cells
        .next_cell()
        .with_context(|| format!("cannot read sheet {name:?}"))?
    {
        let (r, c) = cell.get_position();
        if r >= SHEET_MAX_ROWS || c >= SHEET_MAX_COLUMNS {
            anyhow::bail!(
                "sheet {name:?} has a value in cell {}, beyond the limit of \
                 {SHEET_MAX_ROWS} rows and {SHEET_MAX_COLUMNS} columns",
                cell_name(r, c)
            );
        }
        let value = Data::from(cell.get_value().clone());
        if matches!(value, Data::Empty) {
            continue;
        }
        count += 1;
        if count > SHEET_MAX_CELLS {
            anyhow::bail!("sheet {name:?} has more than {SHEET_MAX_CELLS} cells, the limit");
        }
        let row = by_row.entry(r).or_default();
        if row.len() <= c as usize {
            row.resize(c as usize + 1, Data::Empty);
        }
        row[c as usize] = value;
    }
    Ok((
        name,
        by_row.into_iter().map(|(r, v)| (r as usize, v)).collect(),
    ))
}

/// The sheet named `wanted` (or numbered, from 1), else the first.
fn pick_sheet(names: &[String], wanted: Option<&str>) -> anyhow::Result<String> {
    match wanted {
        None => names.first().cloned().context("the workbook has no sheets"),
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .cloned()
            .or_else(|| {
                let n: usize = wanted.parse().ok()?;
                names.get(n.checked_sub(1)?).cloned()
            })
            .with_context(|| {
                format!(
                    "no sheet {wanted:?} in the workbook; its sheets are {}",
                    names.join(", ")
                )
            }),
    }
}

/// The largest area (rows × columns, from the first used cell to the last)
/// an `.xls` sheet may span: calamine allocates every cell of that area for
/// every sheet as it opens the file (32 bytes each, twice), so the area is
/// checked first, from the file's cell records. A 65,536-row list of 61
/// columns fits.
pub const XLS_MAX_AREA: u64 = 4_000_000;

/// Refuses an `.xls` whose sheets span too large an area, reading only
/// its cell records' positions (BIFF: a row and a column at the start of
/// each cell record; MULRK's last column at its end).
fn check_xls(path: &Path) -> anyhow::Result<()> {
    let mut book = cfb::open(path).context("not an .xls workbook (no compound file)")?;
    let mut stream = book
        .open_stream("/Workbook")
        .or_else(|_| book.open_stream("/Book"))
        .context("not an .xls workbook (no Workbook stream)")?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes)?;
    let u16_at = |d: &[u8], at: usize| d.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let (mut sheet, mut extent) = (0usize, None::<(u16, u16, u16, u16)>);
    let mut pos = 0;
    while let (Some(kind), Some(len)) = (u16_at(&bytes, pos), u16_at(&bytes, pos + 2)) {
        let data = bytes
            .get(pos + 4..pos + 4 + usize::from(len))
            .unwrap_or_default();
        pos += 4 + usize::from(len);
        let cell = match kind {
            // Number, Label, RString, BoolErr, Rk, LabelSst, Formula.
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                u16_at(data, 0).zip(u16_at(data, 2)).map(|(r, c)| (r, c, c))
            }
            // MulRk: a row, its first column, …, its last column.
            0x00BD => u16_at(data, 0)
                .zip(u16_at(data, 2))
                .zip(data.len().checked_sub(2).and_then(|at| u16_at(data, at)))
                .map(|((r, first), last)| (r, first, last.max(first))),
            0x0809 => {
                // A sheet's substream begins: check the last one's.
                sheet += 1;
                extent = None;
                None
            }
            _ => None,
        };
        if let Some((row, first, last)) = cell {
            let (r0, r1, c0, c1) = extent.unwrap_or((row, row, first, last));
            extent = Some((r0.min(row), r1.max(row), c0.min(first), c1.max(last)));
            let (r0, r1, c0, c1) = extent.expect("just set");
            let area = (u64::from(r1 - r0) + 1) * (u64::from(c1 - c0) + 1);
            if area > XLS_MAX_AREA {
                anyhow::bail!(
                    "sheet {} spans {} rows × {} columns ({}:{}), {area} cells; at most \
                     {XLS_MAX_AREA} are read from an .xls",
                    sheet.saturating_sub(1).max(1),
                    u64::from(r1 - r0) + 1,
                    u64::from(c1 - c0) + 1,
                    cell_name(r0.into(), c0.into()),
                    cell_name(r1.into(), c1.into())
                );
            }
        }
    }
    Ok(())
}

/// An `.xls` (BIFF) workbook's sheet, read whole by calamine once
/// [`check_xls`] has bounded what that allocates.
fn xls_rows(path: &Path, sheet: Option<&str>) -> anyhow::Result<(String, SheetRows)> {
    use calamine::{Data, Reader as _};
    check_xls(path)?;
    let mut workbook = calamine::open_workbook_auto(path)
        .with_context(|| format!("cannot read {} as an Excel workbook", path.display()))?;
    let name = pick_sheet(&workbook.sheet_names(), sheet)?;
    let range = workbook
        .worksheet_range(&name)
        .with_context(|| format!("cannot read sheet {name:?}"))?;
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let rows = range
        .rows()
        .enumerate()
        .filter(|(_, cells)| cells.iter().any(|c| !matches!(c, Data::Empty)))
        .map(|(i, cells)| (first_row + i, cells.to_vec()))
        .collect();
    Ok((name, rows))
}

fn open_excel(path: &Path, format: Format, sheet: Option<&str>) -> anyhow::Result<Input> {
    use calamine::Data;
    let (name, sheet_rows) = match format {
        Format::Xlsx => xlsx_rows(path, sheet)?,
        _ => xls_rows(path, sheet)?,
    };
    let text = |cell: &Data| -> String {
        match cell {
            Data::Empty => String::new(),
            Data::String(s) => s.clone(),
            Data::Int(i) => i.to_string(),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            Data::Float(f) => f.to_string(),
            Data::Bool(b) => b.to_string(),
            Data::DateTime(d) => d
                .as_datetime()
                .map(|d| d.format("%Y-%m-%dT%H:%M:%S").to_string())
                .unwrap_or_else(|| d.as_f64().to_string()),
            Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
            Data::Error(e) => format!("#{e:?}"),
        }
    };
    let mut rows = sheet_rows
        .iter()
        .map(|(r, cells)| (*r, cells.as_slice()))
        .filter(|(_, cells)| {
            cells
                .iter()
                .any(|c| !matches!(c, Data::Empty) && !text(c).trim().is_empty())
        });
    // Sheets often carry a title above the header: the header is the row,
    // among the first few, with the most column names we know.
    let known = |cells: &[Data]| {
        cells
            .iter()
            .filter(|c| super::Field::from_header(&text(c)).is_some())
            .count()
    };
    let top: Vec<(usize, &[Data])> = rows.by_ref().take(10).collect();
    let Some(&(at, header)) = top
        .iter()
        .enumerate()
        .max_by_key(|(i, (_, cells))| (known(cells), std::cmp::Reverse(*i)))
        .map(|(_, row)| row)
    else {
        anyhow::bail!("sheet {name:?} is empty");
    };
    let headers: Vec<String> = header.iter().map(|c| text(c).trim().to_owned()).collect();
    let rows = top.into_iter().filter(|(i, _)| *i > at).chain(rows);
    let records: Vec<Record> = rows
        .map(|(i, cells)| Record {
            row: i + 1,
            cells: cells.iter().map(text).collect(),
            problem: None,
        })
        .collect();
    Ok(Input {
        headers,
        format,
        encoding: None,
        private: 0,
        derived: None,
        rows: Rows::Table(records.into_iter()),
    })
}

/// OpenStreetMap's toilets as a table of our own fields.
fn osm_input(toilets: super::osm::Toilets) -> Input {
    Input {
        headers: super::osm::COLUMNS.map(str::to_owned).to_vec(),
        format: Format::Osm,
        encoding: None,
        private: toilets.private,
        derived: None,
        rows: Rows::Table(toilets.records.into_iter()),
    }
}

/// A GeoJSON FeatureCollection of Point features becomes a table: `id`,
/// `lon`, `lat`, then every property name in order of first appearance.
/// Overpass JSON (`{"elements": […]}`) is read as OpenStreetMap.
fn open_geojson(reader: impl Read) -> anyhow::Result<Input> {
    let doc: serde_json::Value = serde_json::from_reader(reader).context("not valid JSON")?;
    if doc.get("elements").is_some() && doc.get("type").is_none() {
        return Ok(osm_input(super::osm::read_overpass(&doc)?));
    }
    let features = match doc.get("type").and_then(|t| t.as_str()) {
        Some("FeatureCollection") => doc
            .get("features")
            .and_then(|f| f.as_array())
            .context("a FeatureCollection needs a \"features\" array")?
            .as_slice(),
        Some("Feature") => std::slice::from_ref(&doc),
        other => anyhow::bail!("expected a GeoJSON FeatureCollection, found type {other:?}"),
    };
    let mut headers = vec!["id".to_owned(), "lon".to_owned(), "lat".to_owned()];
    let mut records = Vec::with_capacity(features.len());
    for (i, feature) in features.iter().enumerate() {
        let mut cells = vec![String::new(); headers.len()];
        let mut problem = None;
        if let Some(id) = feature.get("id").filter(|id| !id.is_null()) {
            cells[0] = json_text(id);
        }
        let geometry = feature.get("geometry");
        match geometry
            .filter(|g| g.get("type").and_then(|t| t.as_str()) == Some("Point"))
            .and_then(|g| g.get("coordinates"))
            .and_then(|c| c.as_array())
            .map(Vec::as_slice)
        {
            Some([lon, lat, ..]) => {
                cells[1] = json_text(lon);
                cells[2] = json_text(lat);
            }
            _ => {
                problem = Some((
                    "geometry".to_owned(),
                    format!(
                        "{} (expected a Point geometry with coordinates [longitude, latitude])",
                        geometry.map(|g| g.to_string()).unwrap_or_default()
                    ),
                ))
            }
        }
        if let Some(properties) = feature.get("properties").and_then(|p| p.as_object()) {
            for (key, value) in properties {
                // Coordinates come from the geometry only.
                if matches!(
                    super::Field::from_header(key),
                    Some(super::Field::Lat | super::Field::Lon)
                ) {
                    continue;
                }
                let at = match headers.iter().position(|h| h == key) {
                    Some(at) => at,
                    None => {
                        headers.push(key.clone());
                        headers.len() - 1
                    }
                };
                if cells.len() <= at {
                    cells.resize(at + 1, String::new());
                }
                cells[at] = json_text(value);
            }
        }
        records.push(Record {
            row: i + 1,
            cells,
            problem,
        });
    }
    for record in &mut records {
        record.cells.resize(headers.len(), String::new());
    }
    Ok(Input {
        headers,
        format: Format::Geojson,
        encoding: None,
        private: 0,
        derived: None,
        rows: Rows::Table(records.into_iter()),
    })
}

fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod limit_tests {
    use std::io::Read as _;

    use super::*;

    /// Hands out at most `step` bytes a read, so lines span reads.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn through(text: &[u8], step: usize) -> std::io::Result<usize> {
        let mut out = Vec::new();
        LineCap::new(Trickle(text, step)).read_to_end(&mut out)
    }

    #[test]
    fn a_line_over_the_cap_fails_wherever_the_reads_split_it() {
        let mut ok = vec![b'a'; CSV_MAX_LINE];
        ok.push(b'\n');
        ok.extend(vec![b'b'; CSV_MAX_LINE]);
        let mut long = b"x\n".to_vec();
        long.extend(vec![b'c'; CSV_MAX_LINE + 1]);
        long.extend(b"\ny\n");
        for step in [1 << 10, 7919, 1 << 16, usize::MAX] {
            assert_eq!(through(&ok, step).unwrap(), ok.len(), "step {step}");
            let e = through(&long, step).unwrap_err();
            assert!(
                e.to_string().contains("longer than 1 MiB"),
                "step {step}: {e}"
            );
        }
    }

    #[test]
    fn cell_names_are_a1_style() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(0, 300), "KO1");
        assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
    }
}
