<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>ListenerCountLabel</name>
    <message numerus="yes">
        <source>{count} listener(s)</source>
        <translation>
            <numerusform>{count} listener</numerusform>
            <numerusform>{count} listeners</numerusform>
        </translation>
    </message>
</context>
</TS>
