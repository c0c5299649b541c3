use super::order::once_per_entry;
use crate::library::Library;

#[test]
fn a_track_listed_three_times_under_one_id_is_one_entry() {
    let track = |id: u32, name: &str| {
        format!(
            "<TRACK TrackID=\"{id}\" Name=\"{name}\" Location=\"file://localhost/{name}.mp3\"/>"
        )
    };
    let xml = format!(
        "<?xml version=\"1.0\"?><DJ_PLAYLISTS><COLLECTION>{}{}{}{}</COLLECTION>\
         <PLAYLISTS><NODE Type=\"0\" Name=\"ROOT\" Count=\"0\"/></PLAYLISTS></DJ_PLAYLISTS>",
        track(7, "a"),
        track(8, "b"),
        track(7, "a"),
        track(7, "a")
    );
    let lib = Library::parse("lib.xml", xml.into_bytes()).unwrap();
    assert_eq!(once_per_entry(&lib, vec![2, 0, 1, 3]), [2, 1]);
}
