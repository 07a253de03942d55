#!/usr/bin/env bash
# Installs the Debian font packages whose Latin letters pretrain the glyph-cnn image backbone
# (scripts/pretrain/image_backbone.py). A build step only: nothing at run time needs them.
# Usage: bash scripts/pretrain/install-fonts.sh   (as root, or with sudo available)
set -euo pipefail

PACKAGES=(
  # Handwriting, script and informal faces: the closest to pen strokes.
  fonts-dkg-handwriting
  fonts-comic-neue
  fonts-humor-sans
  fonts-kristi
  fonts-dancingscript
  fonts-kaushanscript
  fonts-tlwg-purisa-ttf
  fonts-ecolier-court
  fonts-sjfonts
  fonts-tomsontalks
  fonts-cabinsketch
  fonts-rufscript
  fonts-femkeklaver
  fonts-staypuft
  fonts-summersby
  fonts-isabella
  fonts-leckerli-one
  fonts-lobster
  fonts-averia-gwf
  fonts-opendyslexic
  fonts-sil-andika
  fonts-smc-chilanka
  fonts-klaudia-berenika
  # Sans-serif.
  fonts-dejavu-core
  fonts-dejavu-extra
  fonts-liberation
  fonts-liberation2
  fonts-freefont-ttf
  fonts-crosextra-carlito
  fonts-roboto-unhinted
  fonts-open-sans
  fonts-lato
  fonts-cantarell
  fonts-cabin
  fonts-karla
  fonts-quicksand
  fonts-comfortaa
  fonts-dosis
  fonts-play
  fonts-jura
  fonts-tuffy
  fonts-b612
  fonts-inter
  fonts-manrope
  fonts-sora
  fonts-league-spartan
  fonts-yanone-kaffeesatz
  fonts-tiresias
  fonts-adf-gillius
  fonts-adf-switzera
  fonts-adf-universalis
  fonts-adf-mekanus
  fonts-adf-oldania
  fonts-tlwg-loma-ttf
  fonts-tlwg-waree-ttf
  fonts-tlwg-garuda-ttf
  fonts-tlwg-umpush-ttf
  fonts-tlwg-sawasdee-ttf
  # Serif.
  fonts-urw-base35
  fonts-crosextra-caladea
  fonts-ebgaramond
  fonts-linuxlibertine
  fonts-texgyre
  fonts-sil-gentium
  fonts-sil-charis
  fonts-oldstandard
  fonts-vollkorn
  fonts-junicode
  fonts-goudybookletter
  fonts-prociono
  fonts-quattrocento
  fonts-fanwood
  fonts-lindenhill
  fonts-adf-accanthis
  fonts-adf-baskervald
  fonts-adf-berenis
  fonts-adf-ikarius
  fonts-adf-irianis
  fonts-adf-libris
  fonts-adf-romande
  fonts-adf-solothurn
  fonts-adf-tribun
  fonts-adf-verana
  fonts-tlwg-kinnari-ttf
  fonts-tlwg-norasi-ttf
  fonts-tlwg-laksaman-ttf
  fonts-georgewilliams
  # Monospaced, typewriter and OCR faces.
  fonts-go
  fonts-hack-ttf
  fonts-inconsolata
  fonts-courier-prime
  fonts-anonymous-pro
  fonts-mononoki
  fonts-fantasque-sans
  fonts-gnutypewriter
  fonts-tlwg-typist-ttf
  fonts-tlwg-typewriter-ttf
  fonts-tlwg-mono-ttf
  fonts-ocr-a
  fonts-ocr-b
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y --no-install-recommends "${PACKAGES[@]}"
echo "installed ${#PACKAGES[@]} font packages"
