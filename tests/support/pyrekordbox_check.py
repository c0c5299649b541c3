"""Reads every playlist taggenius wrote with pyrekordbox, as a third party would.

usage: python3 pyrekordbox_check.py FILE...   (prints one count a file; exits non-zero on a fault)
"""
import sys

from pyrekordbox.rbxml import RekordboxXml


def walk(xml, node, inside):
    found = 0
    for child in node.get_playlists():
        ours = inside or child.name.startswith("taggenius")
        if child.is_folder:
            if ours:
                assert child.count == len(child.get_playlists()), (child.name, child.count)
            found += walk(xml, child, ours)
        elif ours:
            keys = child.get_tracks()
            assert child.entries == len(keys), (child.name, child.entries, len(keys))
            for key in keys:
                xml.get_track(TrackID=key)
            found += 1
    return found


for path in sys.argv[1:]:
    xml = RekordboxXml(path)
    print(walk(xml, xml.get_playlist(), False))
